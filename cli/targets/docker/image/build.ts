/** Build once, tag many: the one path `up`, `build` and `publish` share. */
import type { Engine } from '../client.js';
import type { Reporter } from '../../../reporter.js';
import type { BuiltImage, ImageRequest } from '../../target.js';
import { ensureImage, tagImage } from './image.js';

/** The image for this revision (built, or reused when the engine has it), then `<repo>:<tag>` for each tag. */
export async function buildAndTag(engine: Engine, request: ImageRequest, tags: string[], report: Reporter): Promise<BuiltImage> {
  report.step('build image');
  const image = await ensureImage(engine, { ...request, onProgress: report.build ?? report.progress });
  report.progress(image.built ? `built ${image.ref}` : `${image.ref} is up to date (build skipped)`);
  // The commit tag follows the commit's newest build; older builds keep their own rev- tag.
  const all = [...new Set([image.commitTag, ...tags])];
  report.step(`tag ${all.length} tag(s)`);
  await tagImage(engine.docker, image, request.repo, all);
  return image;
}
