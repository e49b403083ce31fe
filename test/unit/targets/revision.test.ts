/**
 * Revisions: one per build input (commit, build context, base image ID); the labels `up` puts on the
 * containers it creates (the revision, and the one the event ran before: what `rollback` goes back to);
 * the audit entry's shape.
 */
import { describe, expect, it } from 'vitest';
import { newEntry, outcomeOf } from '../../../cli/deploy/audit-entry.js';
import { ofFleet } from '../../../cli/deploy/audit.js';
import { parseRevision, revisionId } from '../../../cli/targets/revision.js';
import { planFleet } from '../../../cli/converge/plan.js';
import { withRevisionLabels } from '../../../cli/converge/revision-labels.js';
import type { ActualContainer } from '../../../cli/targets/target.js';
import { fleetOwner } from '../../../cli/fleet/identity.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import { FleetSchema } from '../../../cli/fleet/schema.js';
import { serviceFor } from '../../../cli/render/service.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const CONTEXT = 'c'.repeat(64);
const BASE = `sha256:${'b'.repeat(64)}`;

describe('revisionId', () => {
  it('is the same for the same input and differs when any of commit, context or base image ID differs', () => {
    const r = revisionId(COMMIT, CONTEXT, BASE);
    expect(r).toMatch(/^0123456-[0-9a-f]{12}$/);
    expect(revisionId(COMMIT, CONTEXT, BASE)).toBe(r);
    expect(revisionId(COMMIT, 'd'.repeat(64), BASE)).not.toBe(r); // a dirty tree: other context bytes
    expect(revisionId(COMMIT, CONTEXT, `sha256:${'a'.repeat(64)}`)).not.toBe(r); // a re-pulled base
    expect(revisionId(`f${COMMIT.slice(1)}`, CONTEXT, BASE)).not.toBe(r);
    expect(revisionId(null, CONTEXT, BASE)).toMatch(/^local-[0-9a-f]{12}$/);
  });

  it('parseRevision takes it with or without rev-, and nothing else', () => {
    const r = revisionId(COMMIT, CONTEXT, BASE);
    expect(parseRevision(r)).toBe(r);
    expect(parseRevision(`rev-${r}`)).toBe(r);
    expect(parseRevision(revisionId(null, CONTEXT, BASE))).not.toBeNull();
    for (const bad of ['latest', 'sha-0123456', `${r}x`, '', '../x']) expect(parseRevision(bad), bad).toBeNull();
  });
});

describe('withRevisionLabels', () => {
  const fleet = FleetSchema.parse({
    name: 'conf',
    id: 'confconfconf',
    image: 'demo-fleet-test/conf',
    year: 2026,
    events: { a: {}, b: {}, c: {} },
  });
  const owner = fleetOwner(fleet, '/srv/fleet.yaml');
  const services = ['a', 'b', 'c'].map((e) => serviceFor(fleet, e, { fleetDir: '/srv', secretsDir: '/srv/s' }, null));
  const container = (i: number, labels: Record<string, string>, imageId = 'sha256:old'): ActualContainer => ({
    id: `c${i}`,
    name: services[i]!.name,
    labels: { ...services[i]!.labels, ...labels },
    state: 'running',
    imageId,
  });

  it('labels created and re-created containers; a re-create remembers the revision it replaces', () => {
    const actual = [
      container(0, { [LABELS.revision]: 'old-rev' }),
      container(1, { [LABELS.revision]: 'new-rev', [LABELS.previousRevision]: 'older' }),
    ];
    const plan = withRevisionLabels(planFleet(owner, services, 'sha256:new', actual), 'new-rev');
    const labels = Object.fromEntries(
      plan.actions.map((a) => [
        a.event,
        'service' in a ? { rev: a.service.labels[LABELS.revision], prev: a.service.labels[LABELS.previousRevision] } : null,
      ]),
    );
    expect(plan.actions.map((a) => a.kind)).toEqual(['recreate', 'recreate', 'create']);
    expect(labels.a).toEqual({ rev: 'new-rev', prev: 'old-rev' });
    expect(labels.b).toEqual({ rev: 'new-rev', prev: 'older' }); // same revision (e.g. config changed): keeps what it ran before
    expect(labels.c).toEqual({ rev: 'new-rev', prev: undefined });
  });

  it('leaves the plan alone without a revision, and never changes the config hash', () => {
    const plan = planFleet(owner, services, null, []);
    expect(withRevisionLabels(plan, null)).toBe(plan);
    const labelled = withRevisionLabels(plan, 'r');
    for (const [i, a] of labelled.actions.entries()) {
      if ('service' in a) expect(a.service.labels[LABELS.configHash]).toBe(services[i]!.labels[LABELS.configHash]);
    }
  });
});

describe('audit entry', () => {
  it('keeps only event, action, ok and a short one-line status (no logs, no container IDs)', () => {
    const e = newEntry('up', { name: 'conf', id: 'abcdefghijk2' }, 'Ada <ada@example.com>', {
      revision: 'r',
      events: [
        {
          event: 'a',
          action: 'create',
          ok: false,
          status: `failed:\n${'x'.repeat(500)}`,
          logs: 'secret-ish log',
          containerId: 'c1',
        } as never,
      ],
      outcome: 'failed: 1 of 1 event(s)',
    });
    expect(Object.keys(e.events[0]!)).toEqual(['event', 'action', 'ok', 'status', 'changed']);
    expect(e.events[0]!.status.length).toBeLessThanOrEqual(200);
    expect(e.events[0]!.status).not.toContain('\n');
    expect(JSON.stringify(e)).not.toContain('secret-ish');
    expect(JSON.stringify(e).length).toBeLessThan(4096); // one short line
    expect(e).toMatchObject({ fleet: 'conf', fleetId: 'abcdefghijk2' });
  });

  it('changed: the events the run left on new containers (what a plain rollback undoes)', () => {
    const ev = (event: string, action: string, extra: object) => ({ event, action, status: 's', ok: false, ...extra });
    const e = newEntry('up', { name: 'conf' }, 'a', {
      revision: 'r',
      outcome: 'failed: 1 of 6 event(s)',
      events: [
        ev('served', 'recreate', { ok: true }),
        ev('created', 'create', { ok: true }),
        ev('waits-for-login', 'recreate', { needsPerson: true }),
        ev('put-back', 'recreate', { rolledBack: true }),
        ev('after-failed-canary', 'recreate', { skipped: true }),
        ev('kept', 'keep', { ok: true }),
      ],
    });
    expect(e.events.filter((x) => x.changed).map((x) => x.event)).toEqual(['served', 'created', 'waits-for-login']);
  });

  it('ofFleet: by fleet identity — another file with the same name and appdata is not this fleet', () => {
    const facts = { revision: null, events: [], outcome: 'ok' };
    const ours = newEntry('up', { name: 'conf', id: 'abcdefghijk2' }, 'a', facts);
    const theirs = newEntry('down', { name: 'conf', id: 'zzzzzzzzzzz7' }, 'b', facts);
    const idless = newEntry('publish', { name: 'conf' }, 'c', facts);
    const other = newEntry('up', { name: 'other' }, 'd', facts);
    expect(ofFleet([ours, theirs, idless, other], { name: 'conf', id: 'abcdefghijk2' })).toEqual([ours, idless]);
    expect(ofFleet([ours, theirs, idless, other], { name: 'conf', id: 'zzzzzzzzzzz7' })).toEqual([theirs, idless]);
  });

  it('outcomeOf: ok, failed, needs a person', () => {
    expect(outcomeOf([{ ok: true }, { ok: false, skipped: true }])).toBe('ok');
    expect(outcomeOf([{ ok: true }, { ok: false }])).toBe('failed: 1 of 2 event(s)');
    expect(outcomeOf([{ ok: true }, { ok: false, needsPerson: true }])).toBe('needs a person: 1 of 2 event(s)');
  });
});
