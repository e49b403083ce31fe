/** The Images part of the Docker target: build, tag, pull, push and list on one engine. */
import type Docker from 'dockerode';
import { RegistryError } from '../../../errors.js';
import type { Reporter } from '../../../reporter.js';
import type { Images } from '../../target.js';
import { engineMessage, statusCode, type Engine } from '../client.js';
import { buildAndTag } from './build.js';
import { inspectImage } from './image.js';
import { registryHost } from '../../registry-host.js';
import { type AuthConfig, authSource, pullFleetImages, pushTag, redact, registryAuth } from './registry.js';
import { fleetRevisions } from './revisions.js';

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

export function dockerImages(engine: Engine): Images {
  const { docker } = engine;
  // Credentials are looked up once per repository for the life of the command (a push of N tags).
  const auths = new Map<string, Promise<AuthConfig | null>>();
  const authFor = (repo: string) => {
    let auth = auths.get(repo);
    if (!auth) {
      auth = registryAuth(repo);
      auths.set(repo, auth);
    }
    return auth;
  };
  return {
    buildAndTag: (request, tags, report) => buildAndTag(engine, request, tags, report),
    pullEventTags: (repo, events, onProgress) => pullFleetImages(engine, repo, events, onProgress),
    async inspect(ref) {
      const image = await inspectImage(docker, ref);
      return image ? { id: image.Id, labels: image.Config?.Labels ?? {} } : null;
    },
    async tag(imageId, repo, tag) {
      await docker.getImage(imageId).tag({ repo, tag });
    },
    async untag(ref) {
      try {
        await docker.getImage(ref).remove();
        return true;
      } catch (err) {
        if (statusCode(err) === 404) return false;
        throw err;
      }
    },
    revisions: (repo) => fleetRevisions(docker, repo),
    async users() {
      return (await docker.listContainers({ all: true })).map((c) => ({
        name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        imageId: c.ImageID,
        image: c.Image,
        labels: c.Labels ?? {},
        mounts: (c.Mounts ?? []).map((m) => m.Source ?? ''),
      }));
    },
    async checkPush(repo: string, report: Reporter) {
      const auth = await authFor(repo);
      if (auth) await checkCredentials(docker, repo, auth);
      else {
        report.progress(
          'no credentials found (REGISTRY_USERNAME/REGISTRY_PASSWORD, GITHUB_TOKEN, or the docker config and its credential helpers): pushing anonymously',
        );
      }
    },
    async push(repo, tag, report) {
      const pushed = await pushTag(docker, repo, tag, await authFor(repo), report.progress);
      return pushed.digest;
    },
  };
}
