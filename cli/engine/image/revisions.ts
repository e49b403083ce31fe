/** The revisions of a fleet's image on the engine: every `<image>:rev-<revision>` tag, newest first. */
import type Docker from 'dockerode';
import type { Fleet } from '../../fleet/schema.js';
import { REVISION_TAG_PREFIX } from './revision.js';

export interface StoredRevision {
  revision: string;
  imageId: string;
  /** UNIX seconds the image was built. */
  created: number;
  /** Every `repo:tag` of this fleet's image repository on the image (rev-, sha-, event tags). */
  tags: string[];
}

/**
 * This fleet's revisions: the one place that decides which images are "this fleet's" (today: the tags of
 * the fleet's image repository).
 */
export async function fleetRevisions(docker: Docker, fleet: Pick<Fleet, 'image'>): Promise<StoredRevision[]> {
  const images = await docker.listImages({ filters: { reference: [fleet.image] } });
  const revisions: StoredRevision[] = [];
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((t) => t.startsWith(`${fleet.image}:`));
    for (const tag of tags) {
      const name = tag.slice(fleet.image.length + 1);
      if (name.startsWith(REVISION_TAG_PREFIX)) {
        revisions.push({ revision: name.slice(REVISION_TAG_PREFIX.length), imageId: image.Id, created: image.Created, tags });
      }
    }
  }
  return revisions.sort((a, b) => b.created - a.created || b.revision.localeCompare(a.revision));
}
