/**
 * The audit log lives on the engine host, so everyone deploying to a VPS sees one log: a directory
 * `<appdata>/.demo-fleet/audit` holding one file per entry, each one JSON line. The engine API is the only
 * channel (so it works over DOCKER_HOST=ssh://): a never-started container of the deploy lock's zero-layer
 * image (the carrier, `demo-fleet-audit-<hash of the directory>`) binds the directory, and the entry is
 * written into it with the engine's archive upload. The carrier is kept for the next write: creating and
 * removing one per entry cost a no-op `up` 3 of its 12 engine requests (bench/README.md). Nothing runs, so no image with a
 * shell is needed (`down` and `audit` work where the app image is gone); a removed carrier (`docker
 * container prune`) is made again on the next write, the log is the directory, not the container. Each
 * writer writes its own file (time, pid, random), so concurrent writers can never interleave or lose
 * lines; the log, in time order, is `cat <dir>/*.json`, which `audit` reads back with the archive download.
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { untar } from './archive.js';
import { EngineError } from '../../errors.js';
import { engineMessage, statusCode } from './client.js';
import { ensureLockImage, LOCK_IMAGE } from './lock.js';
import type { AuditRecord } from '../target.js';

/** Where the bound directory appears inside the carrier container. */
const MOUNT = '/audit';

/** The audit directory on the engine host, under the fleet's appdata (resolved like the state dirs). */
/** `2026-12-02T00:55:00.123Z` → `20261202T005500.123Z`: sorts in time order, no `:` in the name. */
function fileName(entry: AuditRecord): string {
  const stamp = entry.time.replace(/[-:]/g, '');
  return `${stamp}-${process.pid}-${randomBytes(4).toString('hex')}.json`;
}

/** The labels of a carrier: its role, and the directory it binds (how a cleanup finds the carriers of a dir). */
export const CARRIER_LABELS = { role: 'dev.demo-fleet.role', dir: 'dev.demo-fleet.audit-dir' } as const;

/** One carrier per audit directory: another directory, another name. */
export function carrierName(dir: string): string {
  return `demo-fleet-audit-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
}

function noSuchContainer(err: unknown): boolean {
  return statusCode(err) === 404 && /no such container/i.test(engineMessage(err));
}

/** Run `fn` on the never-started carrier binding `dir`, made first when there is none (or it was removed). */
async function withCarrier<T>(docker: Docker, dir: string, fn: (c: Docker.Container) => Promise<T>): Promise<T> {
  const name = carrierName(dir);
  try {
    return await fn(docker.getContainer(name));
  } catch (err) {
    if (!noSuchContainer(err)) throw err;
  }
  await ensureLockImage(docker);
  try {
    await docker.createContainer({
      name,
      Image: LOCK_IMAGE,
      Cmd: ['audit'],
      Labels: { [CARRIER_LABELS.role]: 'audit', [CARRIER_LABELS.dir]: dir },
      HostConfig: { Binds: [`${dir}:${MOUNT}`] },
    });
  } catch (err) {
    if (statusCode(err) !== 409) throw err; // 409: another writer is making it right now
  }
  // The engine reserves the name before the other writer's container exists: wait for it briefly.
  for (let look = 0; ; look++) {
    try {
      return await fn(docker.getContainer(name));
    } catch (err) {
      if (!noSuchContainer(err) || look >= 40) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Write one entry (one JSON line in a file of its own) into the audit directory on the engine host. */
export async function appendEntry(docker: Docker, dir: string, entry: AuditRecord): Promise<void> {
  const line = `${JSON.stringify(entry)}\n`;
  const tar = pack();
  tar.entry({ name: fileName(entry), mode: 0o644, mtime: new Date(entry.time) }, line);
  tar.finalize();
  const body = await streamToBuffer(tar as unknown as NodeJS.ReadableStream);
  await withCarrier(docker, dir, (c) => c.putArchive(body, { path: MOUNT }));
}

/** Every entry in the audit directory, oldest first (an unreadable file is skipped). */
export async function readEntries(docker: Docker, dir: string): Promise<AuditRecord[]> {
  const files = await withCarrier(docker, dir, async (c) => {
    let archive: NodeJS.ReadableStream;
    try {
      archive = (await c.getArchive({ path: `${MOUNT}/.` })) as NodeJS.ReadableStream;
    } catch (err) {
      if (noSuchContainer(err)) throw err; // withCarrier makes it
      if (statusCode(err) === 404) return []; // no directory yet: no entry yet
      throw new EngineError(`cannot read the audit log in ${dir}: ${engineMessage(err)}`);
    }
    return untar(archive);
  });
  const entries: Array<{ name: string; entry: AuditRecord }> = [];
  for (const f of files) {
    if (!f.name.endsWith('.json')) continue;
    try {
      entries.push({ name: path.basename(f.name), entry: JSON.parse(f.content) as AuditRecord });
    } catch {
      // a file being written right now, or not ours: skip it
    }
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name)).map((e) => e.entry);
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
