/**
 * The app image: build once per revision (skipped when the engine already has it), then one tag per
 * event — all tags one image ID.
 */
import type Docker from 'dockerode';
import { collectContext, contextTar } from './build-context.js';
import { currentRevision, revisionTag, type Revision } from './revision.js';
import { followStream } from '../client/stream.js';
import { engineMessage, statusCode, type Engine } from '../client/docker.js';
import { BuildError, EngineError, StreamFailure } from '../../errors.js';

const IMAGE_LABELS = {
  context: 'dev.demo-fleet.context-hash',
  baseImage: 'dev.demo-fleet.base-image',
} as const;

export interface ImageRequest {
  repo: string;
  baseImage: string;
  dockerfile?: string;
  /** Build even when an image for this revision exists. */
  force?: boolean;
  revision?: Revision;
  onProgress?: (line: string) => void;
}

export interface BuiltImage {
  id: string;
  /** `<repo>:sha-xxxxxxx` */
  ref: string;
  built: boolean;
  /** Every `repo:tag` the engine had for the image when it was inspected (so tagging needs no second look). */
  repoTags: string[];
}

export async function inspectImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (statusCode(err) === 404) return null;
    throw err;
  }
}

export async function ensureImage(engine: Engine, req: ImageRequest): Promise<BuiltImage> {
  const { docker } = engine;
  const context = await collectContext({ dockerfile: req.dockerfile });
  const revision = req.revision ?? currentRevision();
  const ref = `${req.repo}:${revisionTag(revision, context.hash)}`;
  const existing = await inspectImage(docker, ref);
  const labels = existing?.Config?.Labels ?? {};
  if (!req.force && existing && labels[IMAGE_LABELS.context] === context.hash && labels[IMAGE_LABELS.baseImage] === req.baseImage) {
    return { id: existing.Id, ref, built: false, repoTags: existing.RepoTags ?? [] };
  }
  const progress = req.onProgress ?? (() => {});
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
      labels: { [IMAGE_LABELS.context]: context.hash, [IMAGE_LABELS.baseImage]: req.baseImage },
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
  return { id: image.Id, ref, built: true, repoTags: image.RepoTags ?? [] };
}

/** Point `<repo>:<tag>` at the image for every tag (the per-event tags); tags already there are left. */
export async function tagImage(docker: Docker, built: BuiltImage, repo: string, tags: string[]): Promise<void> {
  const present = new Set(built.repoTags);
  const image = docker.getImage(built.id);
  for (const tag of tags) if (!present.has(`${repo}:${tag}`)) await image.tag({ repo, tag });
}
