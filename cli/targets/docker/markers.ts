/**
 * Never-started marker containers of one zero-layer image: the deploy lock (lock.ts) and the audit log's
 * carriers (audit-store.ts). Nothing is pulled and nothing runs in them.
 */
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { engineMessage, statusCode } from './client.js';
import { followStream } from './stream.js';

/** A zero-layer image whose only job is to be the marker container's image (nothing is pulled). */
export const LOCK_IMAGE = 'demo-fleet/lock:1';
/** Build the marker image. */
async function buildLockImage(docker: Docker): Promise<void> {
  const tar = pack();
  tar.entry({ name: 'Dockerfile', mtime: new Date(0) }, 'FROM scratch\nLABEL dev.demo-fleet.role=lock\n');
  tar.finalize();
  const stream = await docker.buildImage(tar as never, { t: LOCK_IMAGE, rm: true });
  await followStream(docker, stream);
}

function noSuchImage(err: unknown): boolean {
  return statusCode(err) === 404 && /no such image/i.test(engineMessage(err));
}

/**
 * Create a never-started container of the marker image (a lock or an audit carrier). The image is built
 * only when the create finds it missing: a look before every create would cost each command a request.
 */
export async function createMarker(
  docker: Docker,
  options: { name: string; Cmd: string[]; Labels: Record<string, string>; HostConfig?: { Binds: string[] } },
): Promise<Docker.Container> {
  const create = () => docker.createContainer({ ...options, Image: LOCK_IMAGE });
  try {
    return await create();
  } catch (err) {
    if (!noSuchImage(err)) throw err;
  }
  await buildLockImage(docker);
  return create();
}

/** Remove one marker container by ID or name; already gone is fine. */
export async function removeMarker(docker: Docker, idOrName: string): Promise<void> {
  try {
    await docker.getContainer(idOrName).remove({ force: true });
  } catch (err) {
    if (statusCode(err) !== 404) throw err;
  }
}
