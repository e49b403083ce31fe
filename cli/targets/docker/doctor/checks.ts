/** The Docker target's doctor checks: DOCKER_HOST / the context, the engine answering, images, disk. */
import type { Fleet } from '../../../fleet/schema.js';
import type { TargetChecks } from '../../target.js';
import { dockerTarget } from '../target.js';
import { checkDisk, FRESH_IMAGE_BYTES } from './disk.js';
import { checkEngine, type EngineCheck } from './engine.js';
import { checkImages } from './image.js';

/** What a rebuild of the app layers on a present base image takes, with room. */
const REBUILD_BYTES = 200 * 1024 ** 2;

export function dockerChecks(): TargetChecks {
  let reached: EngineCheck | null = null;
  const engineOf = () => {
    if (!reached?.engine) throw new Error('doctor: the engine checks need reach() to have found the engine');
    return reached.engine;
  };
  return {
    async reach() {
      reached = await checkEngine();
      return { findings: reached.findings, ready: reached.engine !== null && reached.endpoint !== null };
    },
    async forFleet(fleet: Fleet, options = {}) {
      const images = await checkImages(engineOf(), fleet, options);
      const findings = [...images.findings];
      if (reached?.info && reached.endpoint) {
        findings.push(await checkDisk(reached.endpoint, reached.info, images.missing > 0 ? FRESH_IMAGE_BYTES : REBUILD_BYTES));
      }
      return findings;
    },
    target: () => dockerTarget(engineOf()),
  };
}
