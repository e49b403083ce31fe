/**
 * What a deploy killed between two steps of a re-create leaves (replace.ts: create `-next-`, stop the
 * old one, rename it `-prev-`, rename the new one, start it; commit removes `-prev-`), and what the
 * next plan makes of each state: one container per event under its name, before any event action.
 */
import { describe, expect, it } from 'vitest';
import { planFleet } from '../../../cli/converge/plan.js';
import { describeRecovery, planRecovery } from '../../../cli/converge/recovery.js';
import { fleetOwner } from '../../../cli/fleet/identity.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import { FleetSchema } from '../../../cli/fleet/schema.js';
import { serviceFor, type ServiceDefinition } from '../../../cli/render/service.js';
import type { ActualContainer } from '../../../cli/targets/target.js';

const NEW_IMAGE = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const OLD_IMAGE = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';
const paths = { fleetDir: '/srv/fleet', secretsDir: '/srv/fleet/compose/secrets' };
const fleet = FleetSchema.parse({
  name: 'conf',
  id: 'confzzzzzzzz',
  image: 'demo-fleet-test/conf',
  year: 2026,
  events: { alpha: {}, beta: {} },
});
const owner = fleetOwner(fleet, `${paths.fleetDir}/fleet.yaml`);
const [alpha, beta] = Object.keys(fleet.events).map((e) => serviceFor(fleet, e, paths, null)) as [ServiceDefinition, ServiceDefinition];

const OLD_ID = 'a1b2c3d4e5f6a1b2c3d4e5f6';
/** The event's container before the re-create: the old image. */
const old = (overrides: Partial<ActualContainer> = {}): ActualContainer => ({
  id: OLD_ID,
  name: alpha.name,
  labels: { ...alpha.labels },
  state: 'running',
  imageId: OLD_IMAGE,
  ...overrides,
});
/** The replacement replace.ts creates: the new image, labelled with what it replaces. */
const fresh = (overrides: Partial<ActualContainer> = {}): ActualContainer => ({
  id: 'f0f0f0f0f0f0f0f0',
  name: `${alpha.name}-next-${OLD_ID.slice(0, 12)}`,
  labels: { ...alpha.labels, [LABELS.replaces]: OLD_ID },
  state: 'created',
  imageId: NEW_IMAGE,
  ...overrides,
});
const prevName = `${alpha.name}-prev-${OLD_ID.slice(0, 12)}`;
const betaOk: ActualContainer = { id: 'b0', name: beta.name, labels: { ...beta.labels }, state: 'running', imageId: NEW_IMAGE };

const plan = (actual: ActualContainer[]) => planFleet(owner, [alpha, beta], NEW_IMAGE, actual);
const steps = (actual: ActualContainer[]) => plan(actual).recovery.map((s) => [s.kind, s.container.name]);
const alphaAction = (actual: ActualContainer[]) => plan(actual).actions.find((a) => a.event === 'alpha')!;

describe('recovery: a re-create killed between two steps', () => {
  it('killed after the create (old one running or stopped by then): the replacement goes, the event is re-created', () => {
    for (const state of ['running', 'exited']) {
      const actual = [fresh(), old({ state }), betaOk];
      expect(steps(actual)).toEqual([['discard', fresh().name]]);
      expect(alphaAction(actual)).toMatchObject({ kind: 'recreate', container: { id: OLD_ID }, reason: 'image changed' });
    }
  });

  it('killed after the old one was renamed: the old one takes the name back, the replacement goes', () => {
    for (const next of [fresh(), fresh({ state: 'running' })]) {
      const actual = [next, old({ name: prevName, state: 'exited' }), betaOk];
      expect(steps(actual)).toEqual([
        ['adopt', prevName],
        ['discard', next.name],
      ]);
      expect(plan(actual).recovery[1]).toMatchObject({ reason: 'the replacement an interrupted re-create left' });
      expect(alphaAction(actual)).toMatchObject({ kind: 'recreate', container: { id: OLD_ID, name: alpha.name } });
    }
  });

  it('killed after both renames, during the wait or the automatic rollback: the replacement (never judged served, or judged failed) goes, the old one takes the name back', () => {
    for (const state of ['created', 'running', 'exited']) {
      const actual = [fresh({ name: alpha.name, state }), old({ name: prevName, state: 'exited' }), betaOk];
      expect(steps(actual)).toEqual([
        ['discard', alpha.name],
        ['adopt', prevName],
      ]);
      // and the plan re-creates it properly: canary, readiness wait, automatic rollback
      expect(alphaAction(actual)).toMatchObject({ kind: 'recreate', container: { id: OLD_ID, name: alpha.name } });
    }
  });

  it('a finished re-create (its predecessor removed by the commit) is never taken for an unfinished one', () => {
    const actual = [fresh({ name: alpha.name, state: 'running' }), betaOk];
    expect(steps(actual)).toEqual([]);
    expect(alphaAction(actual)).toMatchObject({ kind: 'keep', container: { id: fresh().id } });
  });

  it('killed during the automatic rollback (the replacement already removed): the old one takes the name back', () => {
    const actual = [old({ name: prevName, state: 'exited' }), betaOk];
    expect(steps(actual)).toEqual([['adopt', prevName]]);
    expect(describeRecovery(plan(actual).recovery[0]!)).toBe(
      `alpha: adopt ${prevName} as ${alpha.name} (no container had the event's name)`,
    );
    expect(alphaAction(actual)).toMatchObject({ kind: 'recreate', container: { id: OLD_ID, state: 'exited' } });
  });

  it('only the replacement is left (its predecessor gone): it is adopted', () => {
    const actual = [fresh({ state: 'running' }), betaOk];
    expect(steps(actual)).toEqual([['adopt', fresh().name]]);
    expect(alphaAction(actual)).toMatchObject({ kind: 'keep', container: { id: fresh().id } });
  });

  it('an event that left the fleet file: every container of it is removed, under any name', () => {
    const r = planFleet(owner, [beta], NEW_IMAGE, [fresh(), old({ name: prevName }), betaOk]);
    expect(r.recovery).toEqual([]);
    expect(r.actions.filter((a) => a.kind === 'remove').map((a) => a.kind === 'remove' && a.container.name)).toEqual([
      fresh().name,
      prevName,
    ]);
  });

  it("another fleet's or a stranger's containers are never adopted or removed", () => {
    const stranger = { ...fresh(), labels: {} };
    const otherFleet = { ...old({ name: prevName }), labels: { ...alpha.labels, [LABELS.fleetId]: 'otherzzzzzzz' } };
    expect(planRecovery(owner, [alpha], [stranger, otherFleet]).steps).toEqual([]);
  });

  it('the plan works from the recovered containers: nothing is planned twice', () => {
    const actual = [fresh(), old({ name: prevName, state: 'exited' }), betaOk];
    const r = planRecovery(owner, [alpha, beta], actual);
    expect(r.actual.map((c) => c.name).sort()).toEqual([alpha.name, beta.name]);
    expect(plan(actual).actions.map((a) => a.kind)).toEqual(['recreate', 'keep']);
  });
});
