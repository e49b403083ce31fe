/**
 * Where `appdata` may not be (README "The fleet file"). The state dirs are made at
 * <appdata>/<year>/<event> by the engine, as root, on the engine's host, so a slip such as `appdata: /`
 * or `/etc` puts node state among the operating system's files.
 */
import path from 'node:path';

/** Trees the OS owns, or that are not kept across a reboot (/run): refused with everything under them. */
const SYSTEM_TREES = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var/lock', // links into /run on current systems
  '/var/run',
];

/** Shared directories: fine to hold the fleet's own directory, not to be it. */
const SHARED_DIRS = ['/home', '/media', '/mnt', '/opt', '/root', '/srv', '/tmp', '/var', '/var/lib'];

/** Why `appdata` cannot hold the state dirs, or undefined. Relative paths stay below the fleet file. */
export function appdataLocationProblem(appdata: string): string | undefined {
  if (!path.posix.isAbsolute(appdata)) return undefined;
  const dir = path.posix.normalize(appdata).replace(/(.)\/+$/, '$1');
  const shown = JSON.stringify(appdata);
  const fix = 'give the fleet a directory of its own, e.g. /srv/demo-fleet or /var/lib/demo-fleet';
  const directlyIn = 'the state dirs (<appdata>/<year>/<event>) would be made directly in it';
  if (dir === '/') return `${shown} is the root directory: ${directlyIn}: ${fix}`;
  const tree = SYSTEM_TREES.find((t) => dir === t || dir.startsWith(`${t}/`));
  if (tree) return `${shown} is in ${tree}, a system directory (state dirs are no files of the operating system's): ${fix}`;
  if (SHARED_DIRS.includes(dir)) return `${shown} is a shared directory: ${directlyIn}: ${fix}`;
  return undefined;
}
