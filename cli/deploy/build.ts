/** `build`: the fleet's image for this revision, tagged for every event. */
import type { Reporter } from '../reporter.js';
import type { Deployment } from './deployment.js';

export interface BuildOptions {
  baseImage?: string | undefined;
  dockerfile?: string | undefined;
  force?: boolean | undefined;
  pull?: boolean | undefined;
}

export interface BuildResult {
  id: string;
  ref: string;
  revision: string;
  built: boolean;
  tags: string[];
}

export async function buildFleetImage(d: Deployment, options: BuildOptions, report: Reporter): Promise<BuildResult> {
  const { fleet } = d;
  await d.target.connect();
  const events = Object.keys(fleet.events).sort();
  const request = {
    repo: fleet.image,
    baseImage: options.baseImage ?? fleet.baseImage,
    dockerfile: options.dockerfile,
    force: options.force,
    pull: options.pull,
  };
  const image = await d.target.images.buildAndTag(request, events, report);
  return { id: image.id, ref: image.ref, revision: image.revision, built: image.built, tags: events.map((e) => `${fleet.image}:${e}`) };
}
