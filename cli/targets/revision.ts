/**
 * What revision an image is built from. A revision names one build input, so two different images never
 * share it: the git commit of the demo-fleet checkout (GITHUB_SHA in Actions), the build context's own
 * hash (the bytes that go into the image: the Dockerfile, the s6 service and the bundled app — a dirty
 * tree, once built, changes it), and the base image's ID (not its tag: a re-pulled
 * `baseimage-alpine:3.22` is another base). The image is tagged `<image>:rev-<revision>`, so every
 * build keeps a tag of its own (`docker image prune` leaves it) until `demo-fleet prune` removes it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { packageRoot, packageVersion } from '../util/package-root.js';

/** The image label the Dockerfile sets from the REVISION build argument (templates/Dockerfile). */
export const OCI_REVISION_LABEL = 'org.opencontainers.image.revision';

export interface Revision {
  /** Full commit sha, or null outside git. */
  commit: string | null;
  /** org.opencontainers.image.source */
  source: string;
  version: string;
}

function git(args: string[]): string | null {
  try {
    return (
      execFileSync('git', args, { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

export function currentRevision(env: NodeJS.ProcessEnv = process.env): Revision {
  const commit = env.GITHUB_SHA || git(['rev-parse', 'HEAD']);
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  let source = env.GITHUB_REPOSITORY ? `${server}/${env.GITHUB_REPOSITORY}` : null;
  if (!source) {
    const remote = git(['config', '--get', 'remote.origin.url']);
    source = remote && /^https?:\/\//.test(remote) ? remote.replace(/\.git$/, '') : 'https://github.com/demo-fleet/demo-fleet';
  }
  const tag = env.GITHUB_REF_TYPE === 'tag' ? env.GITHUB_REF_NAME : undefined;
  return { commit, source, version: tag ?? packageVersion() };
}

/** `sha-<7>` of the commit, or `ctx-<7>` of the build context hash outside git: the tag `publish` pushes. */
export function revisionTag(revision: Revision, contextHash: string): string {
  return revision.commit ? `sha-${revision.commit.slice(0, 7)}` : `ctx-${contextHash.slice(0, 7)}`;
}

/** The image label naming the revision an image was built as. */
export const REVISION_LABEL = 'dev.demo-fleet.revision';

/** Prefix of the per-revision image tags. */
export const REVISION_TAG_PREFIX = 'rev-';

/**
 * The revision of one build input: `<7 of the commit>-<12 of sha256(commit, context hash, base image ID)>`
 * (`local-…` outside git). Same commit, same context, same base ID → same revision (the build is skipped).
 */
export function revisionId(commit: string | null, contextHash: string, baseImageId: string): string {
  const digest = createHash('sha256')
    .update(`${commit ?? ''}\0${contextHash}\0${baseImageId}`)
    .digest('hex');
  return `${commit ? commit.slice(0, 7) : 'local'}-${digest.slice(0, 12)}`;
}

/** The tag of a revision's image, `<repo>:rev-<revision>`: what containers run (it names one build, never moves). */
export function revisionRef(repo: string, revision: string): string {
  return `${repo}:${REVISION_TAG_PREFIX}${revision}`;
}

/** A revision as `rollback --to` takes it: with or without the `rev-` prefix. Null when it is not one. */
export function parseRevision(text: string): string | null {
  const id = text.startsWith(REVISION_TAG_PREFIX) ? text.slice(REVISION_TAG_PREFIX.length) : text;
  return /^[0-9a-z]{1,40}-[0-9a-f]{12}$/.test(id) ? id : null;
}
