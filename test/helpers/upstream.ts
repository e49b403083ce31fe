/**
 * Published upstream data the tests check against (API descriptions, the compose schema). The project
 * keeps no copy: the files live in ../shared/upstream/ beside the checkout (its README names each file's
 * source and ref). DEMO_FLEET_UPSTREAM points elsewhere.
 *
 * A missing file fails the suite under CI=true, naming the path it looked for; elsewhere the tests that
 * need it skip loudly (requirements.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Requirement, requirement } from './requirements.js';

export const UPSTREAM_DIR = path.resolve(process.env.DEMO_FLEET_UPSTREAM ?? path.resolve(import.meta.dirname, '../../../shared/upstream'));

/** The absolute path of a file of the upstream folder, e.g. `compose-spec/compose-spec.json`. */
export function upstreamPath(relative: string): string {
  return path.join(UPSTREAM_DIR, relative);
}

/** All of these upstream files are present (else skip loudly, or fail under CI, naming the first missing path). */
export function upstreamData(...relative: string[]): Requirement {
  return requirement(`upstream data in ${UPSTREAM_DIR}`, () => {
    const missing = relative.map(upstreamPath).find((file) => !existsSync(file));
    return missing === undefined ? true : `${missing} not found`;
  });
}
