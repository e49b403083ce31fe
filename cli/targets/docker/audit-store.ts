/**
 * The audit log lives on the engine host, so everyone deploying to a VPS sees one log: a directory
 * `<appdata>/.demo-fleet/audit` holding one file per entry, each one JSON line. The engine API is the only
 * channel (so it works over DOCKER_HOST=ssh://): a never-started container of the deploy lock's zero-layer
 * image binds the directory, and the entry is written into it with the engine's archive upload (read back
 * with the archive download). A command that holds the deploy lock writes through the lock's own marker,
 * which binds the directory (lock.ts): no container of its own, no extra request, and nothing outlives the
 * command. Without the lock (`audit`, `publish`, rollback's look back) a carrier is made for the one read
 * or write and removed right after; carriers that earlier versions kept per directory
 * (`demo-fleet-audit-<hash>`, never removed), and a carrier a killed process left, are removed on the way. Nothing runs, so no image with a
 * shell is needed (`down` and `audit` work where the app image is gone). Each writer writes its own file
 * (time, pid, random), so concurrent writers can never interleave or lose lines; the log, in time order,
 * is `cat <dir>/*.json`.
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { untar } from './archive.js';
import { EngineError } from '../../errors.js';
import { engineMessage, statusCode } from './client.js';
import { undoOnInterrupt } from '../../util/interrupt.js';
import { createMarker, removeMarker } from './markers.js';
import type { AuditRecord } from '../target.js';

/** Where the bound directory appears inside a carrier (or the lock marker). */
export const AUDIT_MOUNT = '/audit';

/** `2026-12-02T00:55:00.123Z` → `20261202T005500.123Z`: sorts in time order, no `:` in the name. */
function fileName(entry: AuditRecord): string {
  const stamp = entry.time.replace(/[-:]/g, '');
  return `${stamp}-${process.pid}-${randomBytes(4).toString('hex')}.json`;
}

/** The labels of a carrier: its role, and the directory it binds (how a cleanup finds the carriers of a dir). */
export const CARRIER_LABELS = { role: 'dev.demo-fleet.role', dir: 'dev.demo-fleet.audit-dir' } as const;

/** The carrier versions before 0.2 kept per audit directory, forever (removed when seen: legacyCarrierName). */
export function legacyCarrierName(dir: string): string {
  return `demo-fleet-audit-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
}

/** A carrier of one use: its own name, so concurrent readers and writers never share (or remove) one. */
function carrierName(dir: string): string {
  return `${legacyCarrierName(dir)}-${randomBytes(4).toString('hex')}`;
}

/** The bind (and labels) that make a never-started container a carrier of `dir`. */
export function carrierOptions(dir: string): { Labels: Record<string, string>; HostConfig: { Binds: string[] } } {
  return {
    Labels: { [CARRIER_LABELS.dir]: dir },
    HostConfig: { Binds: [`${dir}:${AUDIT_MOUNT}`] },
  };
}

/** A carrier lives for one request: one this old was left by a process that died with it. */
const LEFT_OVER_MS = 60 * 60 * 1000;

/** Remove what earlier runs left of the carriers of `dir`: the kept one of versions before, and stale ones. */
async function removeLeftovers(docker: Docker, dir: string): Promise<void> {
  const carriers = await docker.listContainers({
    all: true,
    filters: { label: [`${CARRIER_LABELS.role}=audit`, `${CARRIER_LABELS.dir}=${dir}`] },
  });
  const left = carriers.filter(
    (c) => c.Names.includes(`/${legacyCarrierName(dir)}`) || (c.State === 'created' && Date.now() - c.Created * 1000 > LEFT_OVER_MS),
  );
  await Promise.all(left.map((c) => removeMarker(docker, c.Id)));
}

/**
 * Run `fn` on a carrier of `dir` made for it, removed afterwards (on Ctrl-C too); what earlier runs left of
 * carriers of `dir` is removed on the way, off the path of `fn`.
 */
async function withCarrier<T>(docker: Docker, dir: string, fn: (c: Docker.Container) => Promise<T>): Promise<T> {
  const options = carrierOptions(dir);
  const carrier = await createMarker(docker, {
    name: carrierName(dir),
    Cmd: ['audit'],
    Labels: { [CARRIER_LABELS.role]: 'audit', ...options.Labels },
    HostConfig: options.HostConfig,
  });
  const leftovers = removeLeftovers(docker, dir).catch(() => {}); // best effort: the next carrier tries again
  const remove = () => removeMarker(docker, carrier.id);
  try {
    return await undoOnInterrupt(remove, () => fn(carrier));
  } finally {
    await Promise.all([remove(), leftovers]);
  }
}

/** The archive upload of one entry (one JSON line in a file of its own). */
export async function entryArchive(entry: AuditRecord): Promise<Buffer> {
  const line = `${JSON.stringify(entry)}\n`;
  const tar = pack();
  tar.entry({ name: fileName(entry), mode: 0o644, mtime: new Date(entry.time) }, line);
  tar.finalize();
  return streamToBuffer(tar as unknown as NodeJS.ReadableStream);
}

/** Write one entry into the audit directory bound by `container` (a carrier, or the lock marker). */
export async function writeEntry(container: Docker.Container, entry: AuditRecord): Promise<void> {
  await container.putArchive(await entryArchive(entry), { path: AUDIT_MOUNT });
}

/** Write one entry into the audit directory on the engine host, through a carrier of its own. */
export async function appendEntry(docker: Docker, dir: string, entry: AuditRecord): Promise<void> {
  await withCarrier(docker, dir, (c) => writeEntry(c, entry));
}

/** Every entry in the audit directory, oldest first (an unreadable file is skipped). */
export async function readEntries(docker: Docker, dir: string): Promise<AuditRecord[]> {
  const files = await withCarrier(docker, dir, async (c) => {
    let archive: NodeJS.ReadableStream;
    try {
      archive = (await c.getArchive({ path: `${AUDIT_MOUNT}/.` })) as NodeJS.ReadableStream;
    } catch (err) {
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
