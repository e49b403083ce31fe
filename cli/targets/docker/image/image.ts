/**
 * The app image: build once per revision (skipped when the engine already has it), then one tag per
 * event — all tags one image ID. The revision (revision.ts) covers the commit, the build context and the
 * base image's ID, so the base is looked at (and pulled when absent, or with `pull`) before the build.
 */
import type Docker from 'dockerode';
import { collectContext, contextTar } from '../../build-context.js';
import { currentRevision, REVISION_LABEL, REVISION_TAG_PREFIX, revisionId, revisionTag } from '../../revision.js';
import { pullImage, registryAuth } from './registry.js';
import { followStream } from '../stream.js';
import { engineMessage, statusCode, type Engine } from '../client.js';
import { BuildError, EngineError, StreamFailure } from '../../../errors.js';
import type { BuiltImage, ImageRequest } from '../../target.js';

export const IMAGE_LABELS = {
  context: 'dev.demo-fleet.context-hash',
  baseImage: 'dev.demo-fleet.base-image',
  /** The base image's ID at build time (the tag above may move). */
  baseImageId: 'dev.demo-fleet.base-image-id',
  /** The revision (revision.ts) the image was built as. */
  revision: REVISION_LABEL,
} as const;

/** What the build reports its log lines to. */
export type DockerImageRequest = ImageRequest & { onProgress?: (line: string) => void };

export async function inspectImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (statusCode(err) === 404) return null;
    throw err;
  }
}

/**
 * The base image's ID: pulled first with `pull`, or when the engine does not have it (as the build would);
 * without either it must be there.
 */
async function baseImageId(docker: Docker, ref: string, pull: boolean, progress: (line: string) => void): Promise<string> {
  let base = pull ? null : await inspectImage(docker, ref);
  if (!base) {
    await pullImage(docker, ref, await registryAuth(ref), progress);
    base = await inspectImage(docker, ref);
  }
  if (!base) throw new BuildError(`base image ${ref}: pulled, but the engine has no such image (check --base-image / baseImage)`);
  return base.Id;
}

export async function ensureImage(engine: Engine, req: DockerImageRequest): Promise<BuiltImage> {
  const { docker } = engine;
  const context = await collectContext({ dockerfile: req.dockerfile });
  const revision = req.revision ?? currentRevision();
  const progress = req.onProgress ?? (() => {});
  const baseId = await baseImageId(docker, req.baseImage, Boolean(req.pull), progress);
  const id = revisionId(revision.commit, context.hash, baseId);
  const ref = `${req.repo}:${REVISION_TAG_PREFIX}${id}`;
  const commitTag = revisionTag(revision, context.hash);
  const existing = await inspectImage(docker, ref);
  if (!req.force && existing && existing.Config?.Labels?.[IMAGE_LABELS.revision] === id) {
    return { id: existing.Id, ref, revision: id, commitTag, built: false, repoTags: existing.RepoTags ?? [] };
  }
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(contextTar(context) as never, {
      t: ref,
      buildargs: {
        BASE_IMAGE: req.baseImage,
        REVISION: revision.commit ?? `ctx-${context.hash}`,
        CREATED: new Date().toISOString(),
        SOURCE: revision.source,
        VERSION: revision.version,
      },
      labels: {
        [IMAGE_LABELS.context]: context.hash,
        [IMAGE_LABELS.baseImage]: req.baseImage,
        [IMAGE_LABELS.baseImageId]: baseId,
        [IMAGE_LABELS.revision]: id,
      },
      rm: true,
      forcerm: true,
    });
  } catch (err) {
    throw new BuildError(`build of ${ref} failed: ${engineMessage(err)}`);
  }
  try {
    await followStream(docker, stream, (e) => {
      const text = (e.stream ?? e.status ?? '').trimEnd();
      if (text) for (const line of text.split('\n')) progress(line);
    });
  } catch (err) {
    if (err instanceof StreamFailure) throw new BuildError(`build of ${ref} failed: ${err.message}`);
    throw new EngineError(`build of ${ref} failed: ${engineMessage(err)}`);
  }
  const image = await inspectImage(docker, ref);
  if (!image) throw new BuildError(`build of ${ref} reported success but the engine has no such image`);
  return { id: image.Id, ref, revision: id, commitTag, built: true, repoTags: image.RepoTags ?? [] };
}

/** Point `<repo>:<tag>` at the image for every tag (the per-event tags); tags already there are left. */
export async function tagImage(docker: Docker, built: BuiltImage, repo: string, tags: string[]): Promise<void> {
  const present = new Set(built.repoTags);
  const image = docker.getImage(built.id);
  for (const tag of tags) if (!present.has(`${repo}:${tag}`)) await image.tag({ repo, tag });
}
