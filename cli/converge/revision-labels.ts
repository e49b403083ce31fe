/**
 * Which revision each event runs, recorded on its container: `up` and `rollback` label every container
 * they create with its revision and the revision the event ran before (what `rollback` goes back to).
 * The labels are not part of the config hash, so they never make a re-create on their own.
 */
import { LABELS } from '../fleet/naming.js';
import type { Action, Plan } from './plan.js';

/** The plan with the revision labels set on every container it creates; null revision: left as they are. */
export function withRevisionLabels(plan: Plan, revision: string | null): Plan {
  if (!revision) return plan;
  return { ...plan, actions: plan.actions.map((a) => labelAction(a, revision)) };
}

function labelAction(action: Action, revision: string): Action {
  if (action.kind === 'create') return { ...action, service: labelled(action.service, revision, undefined) };
  if (action.kind !== 'recreate') return action;
  const was = action.container.labels[LABELS.revision];
  // A re-create on the same revision (configuration changed) keeps what the event ran before that.
  const previous = was && was !== revision ? was : action.container.labels[LABELS.previousRevision];
  return { ...action, service: labelled(action.service, revision, previous) };
}

function labelled<S extends { labels: Record<string, string> }>(service: S, revision: string, previous: string | undefined): S {
  const labels: Record<string, string> = { ...service.labels, [LABELS.revision]: revision };
  if (previous) labels[LABELS.previousRevision] = previous;
  return { ...service, labels };
}
