/** `build`: the fleet's image for this revision, tagged for every event. */
import { loadFleet } from '../fleet/file.js';
import { connectEngine, pingEngine } from './client.js';
import type { Reporter } from './deploy.js';
import { ensureImage, tagImage } from './image.js';

export interface BuildResult {
  id: string;
  ref: string;
  built: boolean;
  tags: string[];
}

export async function buildFleetImage(
  options: { fleetFile: string; baseImage?: string; dockerfile?: string; force?: boolean },
  report: Reporter,
): Promise<BuildResult> {
  const { fleet } = await loadFleet(options.fleetFile);
  const engine = connectEngine();
  await pingEngine(engine);
  report.step('build image');
  const image = await ensureImage(engine, {
    repo: fleet.image,
    baseImage: options.baseImage ?? fleet.baseImage,
    dockerfile: options.dockerfile,
    force: options.force,
    onProgress: report.progress,
  });
  const events = Object.keys(fleet.events).sort();
  report.step(`tag ${events.length} event(s)`);
  await tagImage(engine.docker, image, fleet.image, events);
  return { id: image.id, ref: image.ref, built: image.built, tags: events.map((e) => `${fleet.image}:${e}`) };
}
