/** Build once, tag many: the one path `up`, `build` and `publish` share, and the `build` command's core. */
import { loadFleet } from '../../fleet/file.js';
import { connectEngine, pingEngine, type Engine } from '../client/docker.js';
import type { Reporter } from '../reporter.js';
import { ensureImage, tagImage, type BuiltImage, type ImageRequest } from './image.js';

/** The image for this revision (built, or reused when the engine has it), then `<repo>:<tag>` for each tag. */
export async function buildAndTag(
  engine: Engine,
  request: Omit<ImageRequest, 'onProgress'>,
  tags: string[],
  report: Reporter,
): Promise<BuiltImage> {
  report.step('build image');
  const image = await ensureImage(engine, { ...request, onProgress: report.build ?? report.progress });
  report.progress(image.built ? `built ${image.ref}` : `${image.ref} is up to date (build skipped)`);
  // The commit tag follows the commit's newest build; older builds keep their own rev- tag.
  const all = [...new Set([image.commitTag, ...tags])];
  report.step(`tag ${all.length} tag(s)`);
  await tagImage(engine.docker, image, request.repo, all);
  return image;
}

export interface BuildResult {
  id: string;
  ref: string;
  revision: string;
  built: boolean;
  tags: string[];
}

/** `build`: the fleet's image for this revision, tagged for every event. */
export async function buildFleetImage(
  options: { fleetFile: string; baseImage?: string; dockerfile?: string; force?: boolean; pull?: boolean },
  report: Reporter,
): Promise<BuildResult> {
  const { fleet } = await loadFleet(options.fleetFile);
  const engine = connectEngine();
  await pingEngine(engine);
  const events = Object.keys(fleet.events).sort();
  const image = await buildAndTag(
    engine,
    {
      repo: fleet.image,
      baseImage: options.baseImage ?? fleet.baseImage,
      dockerfile: options.dockerfile,
      force: options.force,
      pull: options.pull,
    },
    events,
    report,
  );
  return { id: image.id, ref: image.ref, revision: image.revision, built: image.built, tags: events.map((e) => `${fleet.image}:${e}`) };
}
