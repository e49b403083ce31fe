/** The revisions of a fleet's image on the engine: every `<image>:rev-<revision>` tag, newest first. */
import type Docker from 'dockerode';
import type { StoredRevision } from '../../target.js';
import { REVISION_TAG_PREFIX } from '../../revision.js';

/**
 * The revisions of an image repository: the one place that decides which images are a fleet's (today:
 * the tags of the fleet's image repository).
 */
export async function fleetRevisions(docker: Docker, repo: string): Promise<StoredRevision[]> {
  const images = await docker.listImages({ filters: { reference: [repo] } });
  const revisions: StoredRevision[] = [];
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:`));
    for (const tag of tags) {
      const name = tag.slice(repo.length + 1);
      if (name.startsWith(REVISION_TAG_PREFIX)) {
        revisions.push({ revision: name.slice(REVISION_TAG_PREFIX.length), imageId: image.Id, created: image.Created, tags });
      }
    }
  }
  return revisions.sort((a, b) => b.created - a.created || b.revision.localeCompare(a.revision));
}
