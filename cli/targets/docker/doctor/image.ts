/**
 * `doctor`: the image `up` needs is there or can be fetched: the base image (a build's FROM) when `up`
 * builds, the published `<image>:<event>` tags when it pulls. "Can be fetched" is asked of the engine's
 * distribution endpoint (the registry's manifest, with the credentials `up` would use), so nothing is
 * downloaded. A base image the engine has is fine as it is (`up` builds on it without a pull): the
 * local base of try-local and the tests, given as `--base-image` or `baseImage`. When it cannot be
 * fetched, the finding says why in the registry's terms (DNS, connection, credentials, name) with the
 * fix for that.
 */
import { engineMessage, type Engine } from '../client.js';
import { inspectImage } from '../image/image.js';
import { redact, registryAuth } from '../image/registry.js';
import { baseImageFix, publishedImageFix, registryFailureKind, registryFailureReason } from '../image/registry-failure.js';
import { registryHost } from '../../registry-host.js';
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

export async function checkImages(
  engine: Engine,
  fleet: Fleet,
  options: { pull?: boolean | undefined; baseImage?: string | undefined } = {},
): Promise<ImageNeeds> {
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
      const why = redact(engineMessage(err), auth).split('\n')[0] ?? '';
      const host = registryHost(ref);
      const kind = registryFailureKind(why);
      const fix = pull ? publishedImageFix(kind, host) : baseImageFix(kind, host);
      return fail('image', `${role} ${ref} is not on the engine and cannot be pulled: ${registryFailureReason(kind, host)} (${why})`, fix);
    }
  });
  return { findings, missing };
}
