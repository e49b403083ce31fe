/**
 * Images on a Swarm: built on the manager as on one engine (targets/docker/image/), then published —
 * Swarm nodes pull, so a service names its revision by registry digest (`<repo>:rev-<revision>@sha256:…`:
 * every node runs the same bytes; by tag only, each node would use whatever copy it has, FINDINGS.md §5).
 * A repository without a registry host cannot be pulled by the nodes: refused before anything is built.
 */
import { UsageError } from '../../errors.js';
import { namedRegistry } from '../registry-host.js';
import type { Reporter } from '../../reporter.js';
import type { Engine } from '../docker/client.js';
import { type AuthConfig, registryAuth } from '../docker/image/registry.js';
import { dockerImages } from '../docker/image/store.js';
import type { Images } from '../target.js';
import { SWARM_LABELS } from './spec.js';
import type { Service } from './tasks.js';

export interface ImageResolver {
  /** `<repo>:<tag>` → the same by digest (pushed when not yet) and the image's ID on the manager. */
  resolve(ref: string): Promise<{ ref: string; id: string }>;
  /**
   * The credentials the nodes pull `ref` with (sent with the service, as `docker service create
   * --with-registry-auth` does), or undefined: they pull anonymously.
   */
  pullAuth(ref: string): Promise<AuthConfig | undefined>;
}

const QUIET: Reporter = { step: () => {}, progress: () => {}, warn: () => {} };

/** The repository names a registry host (`ghcr.io/…`, `registry.local:5000/…`, `localhost/…`). */
function requireRegistry(repo: string): void {
  if (namedRegistry(repo)) return;
  throw new UsageError(
    `image: ${repo} names no registry, and Swarm nodes pull the image: set image: to a repository in a registry every node can reach (e.g. ghcr.io/you/demo-id-headers; docker login there first), or use target: docker`,
  );
}

function splitRef(ref: string): { repo: string; tag: string } {
  const at = ref.lastIndexOf(':');
  if (at < 0 || ref.slice(at).includes('/')) return { repo: ref, tag: 'latest' };
  return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
}

export function swarmImages(engine: Engine): { images: Images; resolver: ImageResolver } {
  const base = dockerImages(engine);
  const digests = new Map<string, Promise<string>>();
  const pushed = (ref: string, report: Reporter): Promise<string> => {
    let digest = digests.get(ref);
    if (!digest) {
      const { repo, tag } = splitRef(ref);
      digest = base.push(repo, tag, report).then((d) => {
        if (!d) throw new UsageError(`push of ${ref}: the registry reported no digest`);
        return d;
      });
      digest.catch(() => digests.delete(ref));
      digests.set(ref, digest);
    }
    return digest;
  };
  const auths = new Map<string, Promise<AuthConfig | null>>();
  const resolver: ImageResolver = {
    async pullAuth(ref) {
      const { repo } = splitRef(ref.split('@')[0]!);
      let auth = auths.get(repo);
      if (!auth) {
        auth = registryAuth(repo);
        auths.set(repo, auth);
      }
      return (await auth) ?? undefined;
    },
    async resolve(ref) {
      // by digest already (a running service's own reference): the registry has it
      if (ref.includes('@sha256:')) {
        requireRegistry(splitRef(ref.slice(0, ref.indexOf('@'))).repo);
        return { ref, id: (await base.inspect(ref))?.id ?? '' };
      }
      const { repo } = splitRef(ref);
      requireRegistry(repo);
      const image = await base.inspect(ref);
      if (!image) throw new UsageError(`${ref} is not on the manager: run \`demo-fleet up\` (or build) again`);
      return { ref: `${ref}@${await pushed(ref, QUIET)}`, id: image.id };
    },
  };
  const images: Images = {
    ...base,
    // prune must keep what services run (on any node) and what their spec names as the revision before
    async users() {
      const services = (await engine.docker.listServices({})) as Service[];
      const ofServices = services.map((svc) => {
        const spec = svc.Spec?.TaskTemplate?.ContainerSpec;
        return {
          name: svc.Spec?.Name ?? svc.ID,
          imageId: svc.Spec?.Labels?.[SWARM_LABELS.imageId] ?? '',
          image: spec?.Image ?? '',
          labels: { ...(spec?.Labels ?? {}), ...(svc.Spec?.Labels ?? {}) },
          mounts: (spec?.Mounts ?? []).map((m) => m.Source ?? ''),
        };
      });
      return [...(await base.users()), ...ofServices];
    },
    async buildAndTag(request, tags, report) {
      requireRegistry(request.repo);
      const built = await base.buildAndTag(request, tags, report);
      report.step(`publish ${built.ref} (Swarm nodes pull it)`);
      await base.checkPush(request.repo, report);
      report.progress(`${built.ref} → ${await pushed(built.ref, report)}`);
      return built;
    },
  };
  return { images, resolver };
}
