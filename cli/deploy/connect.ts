/** The step every deploying command starts its target with: named by the target, its version line reported. */
import type { Reporter } from '../reporter.js';
import type { Target } from '../targets/target.js';

export async function connectTo(target: Target, report: Reporter): Promise<void> {
  report.step(`connect to ${target.kind === 'docker' ? 'Docker' : target.kind}`);
  report.progress(await target.connect());
}
