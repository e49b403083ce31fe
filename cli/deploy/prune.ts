/**
 * `prune [--keep N]`: remove the images of this fleet's older revisions (their `rev-` tag and any other
 * tag of the fleet's repository on them), keeping the N newest and every one a container uses — any
 * container on the engine, running or stopped (e.g. the one a re-create keeps for a rollback). An image
 * that still carries a tag of another repository stays, only our tags go. Another fleet file may deploy
 * the same image repository: the revision its containers would roll back to stays too (not ours to take).
 * Held under the deploy lock.
 */
import { ownsContainer } from '../fleet/identity.js';
import { LABELS } from '../fleet/naming.js';
import type { Reporter } from '../reporter.js';
import { auditedDeploy } from './audited-deploy.js';
import { connectTo } from './connect.js';
import type { Deployment } from './deployment.js';

export interface PruneOptions {
  keep: number;
  forceUnlock: boolean;
}

export interface PrunedRevision {
  revision: string;
  imageId: string;
  /** Why it stays: `in use by <container>`, `newest <N>` or `rollback target of <container> (another fleet file)`. */
  why?: string;
  /** The tags removed (prune) */
  removedTags?: string[];
}

export interface PruneResult {
  kept: PrunedRevision[];
  removed: PrunedRevision[];
}

export async function prune(d: Deployment, options: PruneOptions, report: Reporter): Promise<PruneResult> {
  const { fleet, owner } = d;
  const { images } = d.target;
  await connectTo(d.target, report);
  return auditedDeploy(
    d,
    { command: 'prune', forceUnlock: options.forceUnlock, report },
    async () => {
      report.step(
        `prune revisions of ${fleet.image} (keep the ${options.keep} newest, every one in use and another fleet file's rollback targets)`,
      );
      const users = new Map<string, string>();
      /** revision → a container of another fleet file that would roll back to it */
      const foreignTargets = new Map<string, string>();
      for (const c of await images.users()) {
        if (!users.has(c.imageId)) users.set(c.imageId, c.name);
        const previous = c.labels[LABELS.previousRevision];
        const ofOurRepository = c.image.startsWith(`${fleet.image}:`);
        if (
          previous &&
          ofOurRepository &&
          c.labels[LABELS.fleet] !== undefined &&
          !ownsContainer(owner, c) &&
          !foreignTargets.has(previous)
        ) {
          foreignTargets.set(previous, c.name);
        }
      }
      const result: PruneResult = { kept: [], removed: [] };
      const newest = new Set<string>();
      for (const r of await images.revisions(fleet.image)) {
        if (newest.size < options.keep) newest.add(r.imageId);
        const user = users.get(r.imageId);
        const foreign = foreignTargets.get(r.revision);
        if (user || newest.has(r.imageId) || foreign) {
          const why = user
            ? `in use by ${user}`
            : newest.has(r.imageId)
              ? `newest ${options.keep}`
              : `rollback target of ${foreign} (another fleet file)`;
          result.kept.push({ revision: r.revision, imageId: r.imageId, why });
          continue;
        }
        const removedTags: string[] = [];
        for (const tag of r.tags) {
          if (await images.untag(tag)) removedTags.push(tag); // else: went with an earlier tag
        }
        report.progress(`${r.revision}: removed ${removedTags.join(', ') || 'nothing (already gone)'}`);
        result.removed.push({ revision: r.revision, imageId: r.imageId, removedTags });
      }
      return result;
    },
    (r) => ({
      revision: null,
      events: [],
      outcome: 'ok',
      detail: `removed ${r.removed.map((x) => x.revision).join(' ') || 'nothing'}; kept ${r.kept.map((x) => x.revision).join(' ')}`,
    }),
  );
}
