/**
 * Which revision each event runs, recorded on its container: `up` and `rollback` label every container
 * they create with its revision and the revision the event ran before (what `rollback` goes back to).
 * The labels are not part of the config hash, so they never make a re-create on their own.
 * And what image it runs: an immutable reference to the revision (`<image>:rev-<revision>`, or the
 * image ID), never the per-event tag, which is only the published pointer and may move.
 */
import { LABELS } from '../fleet/naming.js';
import type { Action, Plan } from './plan.js';

/** The plan with the revision labels set on every container it creates; null revision: left as they are. */
export function withRevisionLabels(plan: Plan, revision: string | null): Plan {
  if (!revision) return plan;
  return { ...plan, actions: plan.actions.map((a) => labelAction(a, revision)) };
}

/**
 * The plan with every container it creates running `image` (an immutable reference); the service
 * definition keeps `<image>:<event>` otherwise (the compose file, the config hash).
 */
export function runningImage(plan: Plan, image: string | null): Plan {
  if (!image) return plan;
  return {
    ...plan,
    actions: plan.actions.map((a) => (a.kind === 'create' || a.kind === 'recreate' ? { ...a, service: { ...a.service, image } } : a)),
  };
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
