/**
 * `publish`: the one app image for this revision, tagged `sha-<7>`, `<event>` for every event (and
 * `latest` when asked), pushed to the registry. Every tag must resolve to one digest.
 */
import { loadFleet } from '../../fleet/file.js';
import { collectContext } from './build-context.js';
import { connectEngine, pingEngine, engineMessage } from '../client/docker.js';
import type { Reporter } from '../reporter.js';
import { audited } from '../audit/audit.js';
import { buildAndTag } from './build.js';
import { currentRevision, revisionTag } from './revision.js';
import { authSource, pushTag, redact, registryAuth, registryHost, type AuthConfig } from './registry.js';
import { RegistryError } from '../../errors.js';
import type Docker from 'dockerode';

export interface PublishOptions {
  fleetFile: string;
  /** Target repository, e.g. ghcr.io/acme/demo-id-headers; default: the fleet's image. */
  repo?: string;
  latest?: boolean;
  dryRun?: boolean;
  baseImage?: string;
  dockerfile?: string;
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

/** Fail before pushing anything when the registry refuses the credentials. */
async function checkCredentials(docker: Docker, repo: string, auth: AuthConfig): Promise<void> {
  try {
    await docker.checkAuth(auth);
  } catch (err) {
    throw new RegistryError(
      `${registryHost(repo)} refused the credentials for ${auth.username || 'the identity token'}: ${redact(engineMessage(err), auth)} (check ${authSource(auth)})`,
    );
  }
}

export async function publish(options: PublishOptions, report: Reporter): Promise<PublishResult> {
  const { fleet } = await loadFleet(options.fleetFile);
  const repo = options.repo ?? fleet.image;
  const events = Object.keys(fleet.events).sort();
  const revision = currentRevision();
  const context = await collectContext({ dockerfile: options.dockerfile });
  const tags = [revisionTag(revision, context.hash), ...events, ...(options.latest ? ['latest'] : [])];
  if (options.dryRun) {
    return { repo, tags, digest: null, imageId: null, built: false, pushed: false };
  }

  report.step('connect to Docker');
  const engine = connectEngine();
  await pingEngine(engine);

  report.step(`check credentials for ${registryHost(repo)}`);
  const auth = await registryAuth(repo);
  if (auth) await checkCredentials(engine.docker, repo, auth);
  else {
    report.progress(
      'no credentials found (REGISTRY_USERNAME/REGISTRY_PASSWORD, GITHUB_TOKEN, or the docker config and its credential helpers): pushing anonymously',
    );
  }

  const audit = { docker: engine.docker, fleet, fleetFile: options.fleetFile, command: 'publish', report };
  return audited(
    audit,
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
    const image = await buildAndTag(
      engine,
      { repo, baseImage: options.baseImage ?? fleet.baseImage, dockerfile: options.dockerfile, revision },
      tags.slice(1),
      report,
    );

    report.step(`push ${tags.length} tag(s) to ${repo}`);
    const digests = new Set<string>();
    for (const tag of tags) {
      const pushed = await pushTag(engine.docker, repo, tag, auth, report.progress);
      if (!pushed.digest) throw new RegistryError(`push of ${pushed.ref}: the registry reported no digest`);
      report.progress(`${pushed.ref} → ${pushed.digest}`);
      digests.add(pushed.digest);
    }
    if (digests.size !== 1) {
      throw new RegistryError(`the pushed tags of ${repo} resolve to ${digests.size} digests: ${[...digests].join(', ')}`);
    }
    return { repo, tags, digest: [...digests][0]!, imageId: image.id, built: image.built, pushed: true, revision: image.revision };
  }
}
