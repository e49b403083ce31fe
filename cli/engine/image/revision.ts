/**
 * What revision an image is built from: the git commit of the demo-fleet checkout (GITHUB_SHA in
 * Actions), else none — then the tag falls back to the build context's own hash.
 */
import { execFileSync } from 'node:child_process';
import { packageRoot, packageVersion } from '../../util/package-root.js';

/** The image label the Dockerfile sets from the REVISION build argument (templates/Dockerfile). */
export const REVISION_LABEL = 'org.opencontainers.image.revision';

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

/** `sha-<7>` of the commit, or `ctx-<7>` of the build context hash outside git. */
export function revisionTag(revision: Revision, contextHash: string): string {
  return revision.commit ? `sha-${revision.commit.slice(0, 7)}` : `ctx-${contextHash.slice(0, 7)}`;
}
