/**
 * The fleet's own headscale (the control server accessory) as a ControlServer: keys and nodes through
 * the headscale CLI inside the accessory, which talks to the server over its unix socket. Nothing has
 * to reach the server's HTTP API from the operator's machine (over ssh:// it usually cannot), and no
 * API key has to be made and kept: the socket is the accessory's own.
 *
 * The CLI differs by release (read in headscale's cmd/headscale/cli/preauthkeys.go of each tag): 0.26-0.27
 * expire a key as `preauthkeys --user <id> expire <key>`, 0.28+ as `preauthkeys expire --id <id>`;
 * `--user` takes the numeric user ID in 0.26+.
 */
import { ControlServerError } from '../errors.js';
import { headscaleMinor } from '../fleet/headscale-release.js';
import type { KeyRef, ControlServer } from './control.js';
import { MintedKey } from './minted.js';

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run `headscale <args>` in the accessory. */
export type HeadscaleCli = (args: string[]) => Promise<ExecOutcome>;

/** `expiration` as headscale's JSON output has it: RFC 3339 text or a protobuf timestamp. */
function expiryOf(value: unknown): Date | undefined {
  if (typeof value === 'string') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  if (value && typeof value === 'object' && 'seconds' in value) {
    const seconds = Number((value as { seconds: unknown }).seconds);
    return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
  }
  return undefined;
}

/** A headscale CLI call that must succeed, its `-o json` output parsed. */
async function json<T>(cli: HeadscaleCli, args: string[]): Promise<T> {
  const r = await cli([...args, '-o', 'json']);
  if (r.exitCode !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
    throw new ControlServerError(`headscale ${args.slice(0, 2).join(' ')} failed (exit ${r.exitCode}): ${why}`);
  }
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new ControlServerError(`headscale ${args.slice(0, 2).join(' ')}: the answer is not JSON`);
  }
}

/** The ID of headscale user `name`, or null when there is none. */
export async function findUser(cli: HeadscaleCli, name: string): Promise<string | null> {
  const users = (await json<Array<{ id: string | number; name: string }> | null>(cli, ['users', 'list'])) ?? [];
  const found = users.find((u) => u.name === name);
  return found ? String(found.id) : null;
}

/** The ID of headscale user `name`, created when it does not exist yet. */
export async function ensureUser(cli: HeadscaleCli, name: string): Promise<string> {
  const found = await findUser(cli, name);
  if (found) return found;
  const made = await json<{ id: string | number }>(cli, ['users', 'create', name]);
  return String(made.id);
}

interface ListedNode {
  id: string | number;
  name?: string;
  given_name?: string;
}

/**
 * The accessory as the fleet's control server. `userId`: the user event nodes belong to; `expiry`: how
 * long a minted key stays valid (headscale's duration syntax, e.g. "1h").
 */
export function accessoryControl(options: {
  cli: HeadscaleCli;
  version: string;
  userId: string;
  name: string;
  expiry: string;
}): ControlServer {
  const { cli, userId } = options;
  const modern = (headscaleMinor(options.version) ?? 0) >= 28;
  const nodes = async () => ((await json<ListedNode[] | null>(cli, ['nodes', 'list'])) ?? []).map((n) => ({ ...n, id: String(n.id) }));
  return {
    name: `headscale (${options.name})`,
    mint: async () => {
      const k = await json<{ id: string | number; key: string; expiration?: unknown }>(cli, [
        'preauthkeys',
        'create',
        '--user',
        userId,
        '--expiration',
        options.expiry,
      ]);
      if (!k.key) throw new ControlServerError('headscale preauthkeys create: the answer has no key');
      return new MintedKey(String(k.id), k.key, expiryOf(k.expiration), userId);
    },
    revoke: async (ref: KeyRef, key?: string) => {
      let args: string[];
      if (modern) args = ['preauthkeys', 'expire', '--id', ref.id];
      else {
        // 0.26-0.27 expire by the key itself: find it by ID when this run no longer holds it.
        const owner = ref.userId ?? userId;
        const listed = await json<Array<{ id: string | number; key: string }> | null>(cli, ['preauthkeys', '--user', owner, 'list']);
        const secret = key ?? listed?.find((k) => String(k.id) === ref.id)?.key;
        if (!secret) return 'gone';
        // the key is on the exec's command line inside the accessory (0.26-0.27 take nothing else); it is being expired
        args = ['preauthkeys', '--user', owner, 'expire', secret];
      }
      const r = await cli(args);
      if (r.exitCode === 0) return 'revoked';
      const why = (r.stderr || r.stdout).trim();
      if (/not found/i.test(why)) return 'gone';
      throw new ControlServerError(`headscale preauthkeys expire failed (exit ${r.exitCode}): ${why.split('\n').pop() ?? ''}`);
    },
    isNodeId: (id) => /^\d+$/.test(id),
    nodeIdsByHostname: async (hostname) => (await nodes()).filter((n) => n.given_name === hostname || n.name === hostname).map((n) => n.id),
    deleteNode: async (id) => {
      const r = await cli(['nodes', 'delete', '--identifier', id, '--force']);
      if (r.exitCode === 0) return 'deleted';
      const why = (r.stderr || r.stdout).trim();
      if (/not found/i.test(why)) return 'gone';
      throw new ControlServerError(`headscale nodes delete failed (exit ${r.exitCode}): ${why.split('\n').pop() ?? ''}`);
    },
  };
}
