/**
 * A real registry for publish tests: Debian's `docker-registry` (distribution v2) on 127.0.0.1 only,
 * with htpasswd (bcrypt) auth, storage in a temp dir. The engine treats 127.0.0.0/8 as an insecure
 * registry by default, so plain HTTP works without daemon configuration.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { requirement, type Requirement } from './requirements.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export function registryAvailable(): Requirement {
  return requirement('docker-registry + htpasswd', () => {
    execFileSync(REGISTRY_BIN, ['--version'], { stdio: 'pipe' });
    return existsSync('/usr/bin/htpasswd') ? true : 'htpasswd (apache2-utils) not installed';
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  host: string;
  username: string;
  password: string;
  /** GET on the registry API with the right credentials. */
  api: (pathname: string, headers?: Record<string, string>) => Promise<Response>;
  stop: () => Promise<void>;
}

export async function startRegistry(username = 'ci', password = `pw-${process.pid}-${Date.now()}`): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'demo-fleet-registry-'));
  const port = await freePort();
  // htpasswd -i reads the password from stdin: it never appears in argv.
  const line = execFileSync('htpasswd', ['-niB', username], { input: `${password}\n` }).toString();
  await writeFile(path.join(dir, 'htpasswd'), line);
  await writeFile(
    path.join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      'auth:',
      '  htpasswd:',
      '    realm: demo-fleet-test',
      `    path: ${path.join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const host = `127.0.0.1:${port}`;
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const api = (pathname: string, headers: Record<string, string> = {}) =>
    fetch(`http://${host}${pathname}`, { headers: { Authorization: auth, ...headers } });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await api('/v2/')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start on ${host}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    username,
    password,
    api,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
