/**
 * `doctor`: free space where the engine keeps images (its data root). On a local engine statfs() of the
 * data root /info names; a remote engine's file system is not ours to stat, so only what /info itself
 * says (a storage driver that reports "Data Space Available") is used, else the check says it cannot tell.
 */
import { statfs } from 'node:fs/promises';
import type { DockerEndpoint } from '../docker-context.js';
import type { EngineInfo } from './engine.js';
import { fail, ok, warn, type Finding } from '../../../finding.js';

/** What a fleet's images take when nothing of them is on the engine yet: a linuxserver base and the app (measured ~0.3 GB; room to spare). */
export const FRESH_IMAGE_BYTES = 1024 ** 3;

const GB = 1024 ** 3;
const gb = (bytes: number) => `${(bytes / GB).toFixed(1)} GB`;

/** "12.3 GB" / "500 MB" as storage drivers print it → bytes. */
function parseSize(text: string): number | undefined {
  const m = /^([\d.]+)\s*([kKMGT]?B)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[m[2]!];
  return unit ? Number(m[1]) * unit : undefined;
}

async function freeBytes(endpoint: DockerEndpoint, info: EngineInfo): Promise<{ bytes: number; how: string } | null> {
  const reported = info.DriverStatus?.find(([k]) => k === 'Data Space Available')?.[1];
  const fromInfo = reported ? parseSize(reported) : undefined;
  if (fromInfo !== undefined) return { bytes: fromInfo, how: 'the storage driver' };
  if (!endpoint.host.startsWith('unix://') || !info.DockerRootDir) return null;
  try {
    const s = await statfs(info.DockerRootDir);
    return { bytes: s.bavail * s.bsize, how: info.DockerRootDir };
  } catch {
    return null; // e.g. Docker Desktop: the data root is inside its VM
  }
}

/** `needBytes`: what the images `up` must still fetch or build take. */
export async function checkDisk(endpoint: DockerEndpoint, info: EngineInfo, needBytes: number): Promise<Finding> {
  const free = await freeBytes(endpoint, info);
  if (!free)
    return warn(
      'disk',
      `cannot tell the free space of the engine at ${endpoint.host} (its data root is not on this machine)`,
      'check `df -h` on the engine host',
    );
  const where = `free on ${free.how}`;
  if (free.bytes < needBytes) {
    return fail('disk', `${gb(free.bytes)} ${where}, the images need about ${gb(needBytes)}`, '`docker system prune` or free space there');
  }
  if (free.bytes < 2 * needBytes + GB)
    return warn('disk', `${gb(free.bytes)} ${where}: tight for the images (~${gb(needBytes)})`, '`docker system prune` to make room');
  return ok('disk', `${gb(free.bytes)} ${where}`);
}
