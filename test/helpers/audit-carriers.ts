/**
 * The audit log's carrier containers (cli/targets/docker/audit-store.ts) live for one read or write, but a
 * command killed in the middle of one leaves its carrier: a test that made an appdata removes the carriers
 * binding audit dirs under it, with the dir.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CARRIER_LABELS } from '../../cli/targets/docker/audit-store.js';

function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('docker', args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Remove the carriers of audit dirs under `dir`; the problems, if any (never throws). */
export async function removeAuditCarriers(dir: string): Promise<string[]> {
  const list = await docker([
    'ps',
    '-a',
    '--filter',
    `label=${CARRIER_LABELS.role}=audit`,
    '--format',
    `{{.ID}}\t{{.Label "${CARRIER_LABELS.dir}"}}`,
  ]);
  if (list.code !== 0) return [`docker ps: ${list.stderr.trim()}`];
  const ids = list.stdout
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([, d]) => d !== undefined && (d === dir || d.startsWith(`${dir}/`)))
    .map(([id]) => id!);
  if (ids.length === 0) return [];
  const r = await docker(['rm', '-f', ...ids]);
  return r.code !== 0 && !/no such container/i.test(r.stderr) ? [`docker rm (audit carriers): ${r.stderr.trim()}`] : [];
}

/**
 * Whether a command may have written an audit log under `dir` (a `.demo-fleet/audit` directory). A tree
 * it cannot read (a container's 0700 state dir) counts as yes: the carriers are then looked for anyway.
 */
export function hasAuditDir(dir: string): boolean {
  if (!existsSync(dir)) return false;
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).some((p) => p.endsWith(`.demo-fleet${path.sep}audit`));
  } catch {
    return true;
  }
}
