/**
 * `doctor`: the image `up` needs is there or can be fetched: the base image (a build's FROM) when `up`
 * builds, the published `<image>:<event>` tags when it pulls. "Can be fetched" is asked of the engine's
 * distribution endpoint (the registry's manifest, with the credentials `up` would use), so nothing is
 * downloaded.
 */
import { engineMessage, type Engine } from '../client.js';
import { inspectImage } from '../image/image.js';
import { redact, registryAuth } from '../image/registry.js';
import type { Fleet } from '../../../fleet/schema.js';
import { mapPool } from '../../../util/pool.js';
import { fail, ok, type Finding } from '../../../finding.js';

/** The refs `up` needs (the published tags when it pulls, else the base image), one finding each. */
export interface ImageNeeds {
  findings: Finding[];
  /** How many needed images are missing on the engine (a pull or build must fetch them). */
  missing: number;
}

const LOOK_CONCURRENCY = 4;

export async function checkImages(engine: Engine, fleet: Fleet, options: { pull?: boolean; baseImage?: string } = {}): Promise<ImageNeeds> {
  const pull = options.pull ?? fleet.pull;
  const refs = pull
    ? Object.keys(fleet.events)
        .sort()
        .map((e) => `${fleet.image}:${e}`)
    : [options.baseImage ?? fleet.baseImage];
  const role = pull ? 'published image' : 'base image';
  let missing = 0;
  const findings = await mapPool(refs, LOOK_CONCURRENCY, async (ref): Promise<Finding> => {
    const present = await inspectImage(engine.docker, ref).catch(() => null);
    if (present) return ok('image', `${role} ${ref} is on the engine`);
    missing++;
    const auth = await registryAuth(ref.replace(/:[^/:]+$/, '')).catch(() => null);
    try {
      await engine.docker.getImage(ref).distribution(auth ? { authconfig: auth } : {});
      return ok('image', `${role} ${ref} is not on the engine; the registry has it (up pulls it)`);
    } catch (err) {
      const why = redact(engineMessage(err), auth).split('\n')[0];
      const fix = pull
        ? '`demo-fleet publish` it, or `docker login` to its registry, or set pull: false to build'
        : '`docker login` to its registry, check the name, or set baseImage in the fleet file';
      return fail('image', `${role} ${ref} is not on the engine and cannot be pulled (${why})`, fix);
    }
  });
  return { findings, missing };
}
