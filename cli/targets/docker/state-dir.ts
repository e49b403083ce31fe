/**
 * An event's state dir as the engine host sees it, reached through the engine API only (so it works
 * over ssh:// as well as on the local socket), with short-lived helper containers that bind it:
 * - whether tailscaled keeps a registered node there (`tailscaled.state`): the helper is created, never
 *   started, and the file is read through the archive API;
 * - moving it to an archive under appdata, or deleting it (`retire`): the helper runs `sh` from an image
 *   that has one (the event's own image) and is removed afterwards.
 * Helpers carry the label dev.demo-fleet.helper (not the fleet label: they are no event's container).
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { EngineError } from '../../errors.js';
import { STATE_DIR } from '../../render/service.js';
import type { StateDirOutcome } from '../target.js';
import { untar } from './archive.js';
import { engineMessage, statusCode } from './client.js';

export const HELPER_LABEL = 'dev.demo-fleet.helper';

/** tailscaled.state (a JSON object of base64 values, ipn/store) names the profile a registered node logs in as. */
export function registered(stateText: string): boolean {
  try {
    const state = JSON.parse(stateText) as unknown;
    if (typeof state !== 'object' || state === null) return false;
    const profile = (state as Record<string, unknown>)['_current-profile'];
    return typeof profile === 'string' && profile !== '';
  } catch {
    return false; // not a state file tailscaled wrote whole: no node to keep
  }
}
const STATE_FILE = 'tailscaled.state';

function helperName(what: string): string {
  return `demo-fleet-helper-${what}-${randomBytes(4).toString('hex')}`;
}

async function removeHelper(docker: Docker, id: string): Promise<void> {
  await docker
    .getContainer(id)
    .remove({ force: true, v: true })
    .catch((err: unknown) => {
      if (statusCode(err) !== 404) throw err;
    });
}

/**
 * Whether `hostDir` holds a node that was registered: tailscaled.state names a current login profile
 * (`_current-profile`). tailscaled writes the file with only its machine key at its first start, before
 * any login, so a non-empty file says nothing: after a refused first join it is there, and the node needs
 * a new key (test/fixtures/real-tailnet/FINDINGS.md b). `image` is any image on the engine (nothing runs).
 * The engine creates a missing `hostDir`.
 */
export async function hasNodeState(docker: Docker, image: string, hostDir: string): Promise<boolean> {
  const helper = await docker.createContainer({
    name: helperName('state-check'),
    Image: image,
    Entrypoint: ['/nonexistent'],
    Cmd: [],
    Labels: { [HELPER_LABEL]: 'state-check' },
    NetworkDisabled: true,
    HostConfig: { Binds: [`${hostDir}:${STATE_DIR}:ro`] },
  });
  try {
    const archive = (await helper.getArchive({ path: `${STATE_DIR}/${STATE_FILE}` })) as NodeJS.ReadableStream;
    const [file] = await untar(archive);
    return file !== undefined && registered(file.content);
  } catch (err) {
    if (statusCode(err) === 404) return false;
    throw new EngineError(`read ${hostDir}/${STATE_FILE} on the engine host: ${engineMessage(err)}`);
  } finally {
    await removeHelper(docker, helper.id);
  }
}

/**
 * The move, run as `sh -c <script> sh <from> <to>` with `<root>` at /appdata (`to` empty: delete). Its exit
 * code is the outcome: 0 moved, 10 absent, 11 deleted, 12 the archive exists, else failed.
 */
export const MOVE_STATE_SCRIPT = [
  'src="/appdata/$1"',
  '[ -e "$src" ] || exit 10',
  'if [ -z "$2" ]; then rm -rf "$src" && exit 11; exit 1; fi',
  'dst="/appdata/$2"',
  '[ -e "$dst" ] && exit 12',
  'mkdir -p "$(dirname "$dst")" && mv "$src" "$dst"',
].join('\n');

/** What an exit code of MOVE_STATE_SCRIPT says, or null when it failed (moveFailure says why). */
export function moveOutcome(code: number): StateDirOutcome | null {
  return code === 0 ? 'moved' : code === 10 ? 'absent' : code === 11 ? 'deleted' : null;
}

export function moveFailure(code: number, root: string, to: string | null): string {
  return code === 12 ? `${root}/${to} exists already: move it away` : `the helper failed (exit ${code})`;
}

/**
 * Move `<root>/<from>` to `<root>/<to>` (`to` null: delete it) on the engine host, with a helper from
 * `image` (it needs `sh`, `mkdir`, `mv`, `rm`) that binds `root`. A missing `from` is `absent` (a re-run
 * after it was moved). Paths are relative to `root`, passed as arguments, never spliced into the script.
 */
export async function moveStateDir(docker: Docker, image: string, root: string, from: string, to: string | null): Promise<StateDirOutcome> {
  const helper = await docker.createContainer({
    name: helperName('state-move'),
    Image: image,
    Entrypoint: ['sh', '-c', MOVE_STATE_SCRIPT, 'sh', from, to ?? ''],
    Cmd: [],
    User: '0:0',
    Labels: { [HELPER_LABEL]: 'state-move' },
    NetworkDisabled: true,
    HostConfig: { Binds: [`${root}:/appdata`] },
  });
  try {
    await helper.start();
    const { StatusCode } = (await helper.wait()) as { StatusCode: number };
    const outcome = moveOutcome(StatusCode);
    if (outcome) return outcome;
    throw new EngineError(`move ${root}/${from} on the engine host: ${moveFailure(StatusCode, root, to)}`);
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError(`move ${root}/${from} on the engine host: ${engineMessage(err)}`);
  } finally {
    await removeHelper(docker, helper.id);
  }
}
