/**
 * `publish`: the one app image for this revision, tagged `sha-<7>`, `<event>` for every event (and
 * `latest` when asked), pushed to the registry. Every tag must resolve to one digest.
 */
import { RegistryError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { collectContext } from '../targets/build-context.js';
import { registryHost } from '../targets/registry-host.js';
import { currentRevision, revisionTag } from '../targets/revision.js';
import { audited } from './audit.js';
import { connectTo } from './connect.js';
import type { Deployment } from './deployment.js';

export interface PublishOptions {
  /** Target repository, e.g. ghcr.io/acme/demo-id-headers; default: the fleet's image. */
  repo?: string | undefined;
  latest?: boolean | undefined;
  dryRun?: boolean | undefined;
  baseImage?: string | undefined;
  dockerfile?: string | undefined;
}

export interface PublishResult {
  repo: string;
  tags: string[];
  /** null on --dry-run */
  digest: string | null;
  imageId: string | null;
  built: boolean;
  pushed: boolean;
}

export async function publish(d: Deployment, options: PublishOptions, report: Reporter): Promise<PublishResult> {
  const { fleet } = d;
  const { images } = d.target;
  const repo = options.repo ?? fleet.image;
  const events = Object.keys(fleet.events).sort();
  const revision = currentRevision();
  const context = await collectContext({ dockerfile: options.dockerfile });
  const tags = [revisionTag(revision, context.hash), ...events, ...(options.latest ? ['latest'] : [])];
  if (options.dryRun) {
    return { repo, tags, digest: null, imageId: null, built: false, pushed: false };
  }

  await connectTo(d.target, report);

  report.step(`check credentials for ${registryHost(repo)}`);
  await images.checkPush(repo, report);

  return audited(
    d,
    'publish',
    report,
    () => buildAndPush(),
    (r) => ({
      revision: r.revision,
      events: [],
      outcome: 'ok',
      detail: `pushed ${r.tags.map((t) => `${r.repo}:${t}`).join(' ')} (${r.digest})`,
    }),
  );

  async function buildAndPush(): Promise<PublishResult & { revision: string }> {
    // tags[0] is the commit tag, which the build also puts on the image.
    const request = { repo, baseImage: options.baseImage ?? fleet.baseImage, dockerfile: options.dockerfile, revision };
    const image = await images.buildAndTag(request, tags.slice(1), report);

    report.step(`push ${tags.length} tag(s) to ${repo}`);
    const digests = new Set<string>();
    for (const tag of tags) {
      const digest = await images.push(repo, tag, report);
      if (!digest) throw new RegistryError(`push of ${repo}:${tag}: the registry reported no digest`);
      report.progress(`${repo}:${tag} → ${digest}`);
      digests.add(digest);
    }
    if (digests.size !== 1) {
      throw new RegistryError(`the pushed tags of ${repo} resolve to ${digests.size} digests: ${[...digests].join(', ')}`);
    }
    return { repo, tags, digest: [...digests][0]!, imageId: image.id, built: image.built, pushed: true, revision: image.revision };
  }
}
