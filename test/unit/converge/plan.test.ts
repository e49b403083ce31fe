/**
 * planFleet: desired services vs actual containers → one action per event, and the lines `up` prints.
 * Services come from the real serviceFor() (the config-hash label is the real one).
 */
import { describe, expect, it } from 'vitest';
import { describeAction, isOurs, planFleet, scopedTo, type Action } from '../../../cli/converge/plan.js';
import { describeRecovery } from '../../../cli/converge/recovery.js';
import type { ActualContainer } from '../../../cli/targets/target.js';
import { fleetOwner } from '../../../cli/fleet/identity.js';
import { FleetSchema, type Fleet } from '../../../cli/fleet/schema.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import { serviceFor, type ServiceDefinition } from '../../../cli/render/service.js';

const IMAGE_ID = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const OTHER_IMAGE_ID = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';
const paths = { fleetDir: '/srv/fleet', secretsDir: '/srv/fleet/compose/secrets' };

function fleetOf(events: Record<string, Record<string, unknown>>, name = 'conf'): Fleet {
  return FleetSchema.parse({ name, id: idOf(name), image: 'demo-fleet-test/conf', year: 2026, events });
}

/** A fleet id per test fleet name (12 characters a-z). */
function idOf(name: string): string {
  return `${name}zzzzzzzzzzzz`.slice(0, 12);
}

function services(fleet: Fleet): ServiceDefinition[] {
  return Object.keys(fleet.events).map((e) => serviceFor(fleet, e, paths, null));
}

let nextId = 0;
/** A container as the engine would list it for `service` (ours, up to date, running). */
function running(service: ServiceDefinition, overrides: Partial<ActualContainer> = {}): ActualContainer {
  return { id: `c${++nextId}`, name: service.name, labels: { ...service.labels }, state: 'running', imageId: IMAGE_ID, ...overrides };
}

function kinds(actions: Action[]): Record<string, string> {
  return Object.fromEntries(actions.map((a) => [a.event, a.kind]));
}

const fleet = fleetOf({ alpha: {}, beta: { funnel: true }, gamma: { inviteLink: 'https://login.tailscale.com/admin/invite/x' } });
const [alpha, beta, gamma] = services(fleet) as [ServiceDefinition, ServiceDefinition, ServiceDefinition];
const owner = fleetOwner(fleet, `${paths.fleetDir}/fleet.yaml`);

describe('planFleet', () => {
  it('creates every event when the engine has nothing, in event order', () => {
    const plan = planFleet(owner, [gamma, alpha, beta], IMAGE_ID, []);
    expect(plan.actions.map((a) => [a.event, a.kind])).toEqual([
      ['alpha', 'create'],
      ['beta', 'create'],
      ['gamma', 'create'],
    ]);
    const create = plan.actions[0] as Extract<Action, { kind: 'create' }>;
    expect(create.service).toBe(alpha);
  });

  it('keeps a running (or restarting) container with the same config hash and image', () => {
    const a = running(alpha);
    const b = running(beta, { state: 'restarting' });
    const c = running(gamma);
    const plan = planFleet(owner, [alpha, beta, gamma], IMAGE_ID, [a, b, c]);
    expect(kinds(plan.actions)).toEqual({ alpha: 'keep', beta: 'keep', gamma: 'keep' });
    expect((plan.actions[0] as Extract<Action, { kind: 'keep' }>).container).toBe(a);
  });

  it('keeps when no image id is known (dry run / pull skipped)', () => {
    const plan = planFleet(owner, [alpha], null, [running(alpha, { imageId: OTHER_IMAGE_ID })]);
    expect(kinds(plan.actions)).toEqual({ alpha: 'keep' });
  });

  it('recreates when the config hash label differs (the event changed)', () => {
    const changed = serviceFor(
      fleetOf({ alpha: { inviteLink: 'https://example.com/new' }, beta: { funnel: true }, gamma: {} }),
      'alpha',
      paths,
      null,
    );
    expect(changed.labels[LABELS.configHash]).not.toBe(alpha.labels[LABELS.configHash]);
    const old = running(alpha);
    const plan = planFleet(owner, [changed, beta], IMAGE_ID, [old, running(beta)]);
    expect(kinds(plan.actions)).toEqual({ alpha: 'recreate', beta: 'keep' });
    const a = plan.actions[0] as Extract<Action, { kind: 'recreate' }>;
    expect(a.reason).toBe('configuration changed');
    expect(a.container).toBe(old);
    expect(a.service).toBe(changed);
  });

  it('a changed auth key (secret digest) changes the config hash too', () => {
    const withKey = serviceFor(fleet, 'alpha', paths, 'digest-1');
    const otherKey = serviceFor(fleet, 'alpha', paths, 'digest-2');
    expect(withKey.labels[LABELS.configHash]).not.toBe(otherKey.labels[LABELS.configHash]);
    const plan = planFleet(owner, [otherKey], IMAGE_ID, [running(withKey)]);
    expect(kinds(plan.actions)).toEqual({ alpha: 'recreate' });
  });

  it('recreates when the container runs another image than the one just built', () => {
    const plan = planFleet(owner, [alpha, beta], IMAGE_ID, [running(alpha, { imageId: OTHER_IMAGE_ID }), running(beta)]);
    expect(kinds(plan.actions)).toEqual({ alpha: 'recreate', beta: 'keep' });
    expect((plan.actions[0] as Extract<Action, { kind: 'recreate' }>).reason).toBe('image changed');
  });

  it('config change wins over image change in the reason', () => {
    const c = running(alpha, { imageId: OTHER_IMAGE_ID, labels: { ...alpha.labels, [LABELS.configHash]: 'old' } });
    const a = planFleet(owner, [alpha], IMAGE_ID, [c]).actions[0] as Extract<Action, { kind: 'recreate' }>;
    expect(a.reason).toBe('configuration changed');
  });

  it.each(['exited', 'created'])('starts a %s container that is up to date', (state) => {
    const c = running(alpha, { state });
    const plan = planFleet(owner, [alpha], IMAGE_ID, [c]);
    expect(plan.actions).toEqual([{ kind: 'start', event: 'alpha', service: alpha, container: c }]);
  });

  it.each(['dead', 'removing', 'paused'])('recreates a %s container', (state) => {
    const a = planFleet(owner, [alpha], IMAGE_ID, [running(alpha, { state })]).actions[0] as Extract<Action, { kind: 'recreate' }>;
    expect(a.kind).toBe('recreate');
    expect(a.reason).toBe(`container is ${state}`);
  });

  it('removes a container of this fleet whose event is no longer in the file', () => {
    const gone = serviceFor(fleetOf({ delta: {} }), 'delta', paths, null);
    const orphan = running(gone);
    const plan = planFleet(owner, [alpha], IMAGE_ID, [running(alpha), orphan]);
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'keep', event: 'alpha' }),
      { kind: 'remove', event: 'delta', container: orphan },
    ]);
  });

  it('refuses a container with our name but no demo-fleet labels, and does not remove it', () => {
    const foreign = running(alpha, { labels: {} });
    const plan = planFleet(owner, [alpha, beta], IMAGE_ID, [foreign]);
    expect(plan.actions).toEqual([
      {
        kind: 'conflict',
        event: 'alpha',
        name: 'conf-alpha',
        container: foreign,
        reason: 'was not created by demo-fleet (no dev.demo-fleet labels)',
        nameTaken: true,
      },
      expect.objectContaining({ kind: 'create', event: 'beta' }),
    ]);
  });

  it("refuses a container with our name that belongs to another fleet, and never removes another fleet's containers", () => {
    const other = fleetOf({ alpha: {}, zeta: {} }, 'other');
    const [otherAlpha, otherZeta] = services(other) as [ServiceDefinition, ServiceDefinition];
    // Another fleet's container that happens to carry our container name…
    const squatter = running(otherAlpha, { name: 'conf-alpha' });
    // …and one with its own name and an event we do not have.
    const neighbour = running(otherZeta);
    const plan = planFleet(owner, [alpha], IMAGE_ID, [squatter, neighbour]);
    expect(plan.actions).toEqual([
      {
        kind: 'conflict',
        event: 'alpha',
        name: 'conf-alpha',
        container: squatter,
        reason: 'belongs to demo-fleet fleet "other" (id otherzzzzzzz), not fleet "conf" (id confzzzzzzzz)',
        nameTaken: true,
      },
    ]);
  });

  it('a container labelled with our fleet but no event label is not ours (conflict, never removed)', () => {
    const half = running(alpha, { labels: { [LABELS.fleet]: 'conf' } });
    expect(isOurs(half, owner)).toBe(false);
    const plan = planFleet(owner, [alpha], IMAGE_ID, [half]);
    expect(kinds(plan.actions)).toEqual({ alpha: 'conflict' });
    expect(planFleet(owner, [], IMAGE_ID, [half]).actions).toEqual([]);
  });

  it('a container of an event renamed by hand gets its name back (adopted, then planned as usual); a second one is removed', () => {
    const renamed = running(alpha, { name: 'alpha-old' });
    const plan = planFleet(owner, [alpha, beta], IMAGE_ID, [renamed, running(beta)]);
    expect(plan.recovery).toEqual([{ kind: 'adopt', event: 'alpha', container: renamed, name: 'conf-alpha' }]);
    expect(describeRecovery(plan.recovery[0]!)).toBe("alpha: adopt alpha-old as conf-alpha (no container had the event's name)");
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'keep', event: 'alpha', container: { ...renamed, name: 'conf-alpha' } }),
      expect.objectContaining({ kind: 'keep', event: 'beta' }),
    ]);

    const proper = running(alpha);
    const extra = running(alpha, { name: 'alpha-copy' });
    const both = planFleet(owner, [alpha], IMAGE_ID, [extra, proper]);
    expect(both.recovery).toEqual([
      {
        kind: 'discard',
        event: 'alpha',
        container: extra,
        reason: 'a second container of the event (an interrupted re-create, or renamed by hand)',
      },
    ]);
    expect(both.actions).toEqual([expect.objectContaining({ kind: 'keep', event: 'alpha', container: proper })]);
    expect(describeRecovery(both.recovery[0]!)).toBe(
      'alpha: remove alpha-copy (a second container of the event (an interrupted re-create, or renamed by hand); state dir kept)',
    );

    // our name taken by someone else's container: refuse, and leave the renamed one as it is
    const foreign = running(alpha, { labels: {} });
    const blocked = planFleet(owner, [alpha], IMAGE_ID, [foreign, renamed]);
    expect(blocked.recovery).toEqual([]);
    expect(blocked.actions).toEqual([expect.objectContaining({ kind: 'conflict', event: 'alpha', container: foreign })]);
  });

  it('scopedTo: the plan of the whole fleet cut to some events, recovery steps included', () => {
    const plan = planFleet(owner, [alpha, beta, gamma], IMAGE_ID, [
      running(alpha, { name: 'alpha-old' }),
      running(beta, { name: 'beta-old' }),
    ]);
    expect(plan.recovery.map((s) => s.event)).toEqual(['alpha', 'beta']);
    const cut = scopedTo(plan, ['beta']);
    expect(cut.recovery.map((s) => [s.kind, s.event])).toEqual([['adopt', 'beta']]);
    expect(cut.actions.map((a) => [a.event, a.kind])).toEqual([['beta', 'keep']]);
  });

  it("refuses an event whose state dir another fleet's container mounts (the fleet was renamed), and touches neither", () => {
    const stateDir = alpha.volumes[0]!.source;
    // what `name: old` left running: same events, same appdata, another fleet label and container name
    const old = fleetOf({ alpha: {}, beta: { funnel: true } }, 'old');
    const [oldAlpha] = services(old) as [ServiceDefinition];
    expect(oldAlpha.volumes[0]!.source).toBe(stateDir);
    const leftover = running(oldAlpha, { mounts: [stateDir] });
    const elsewhere = running(oldAlpha, { name: 'old-other', mounts: ['/srv/other/alpha'] });
    const plan = planFleet(owner, [alpha, beta], IMAGE_ID, [leftover, elsewhere]);
    const reason =
      `would share its state dir ${stateDir} with old-alpha of demo-fleet fleet "old" ` +
      '(one tailnet node per state dir: remove old-alpha, or put `name: old` back in the fleet file)';
    expect(plan.actions).toEqual([
      { kind: 'conflict', event: 'alpha', name: 'conf-alpha', container: leftover, reason },
      expect.objectContaining({ kind: 'create', event: 'beta' }),
    ]);
    expect(describeAction(plan.actions[0]!)).toBe(`alpha: refuse conf-alpha: ${reason}`);
    // a container that is not demo-fleet's at all is not considered (only labelled ones are listed)
    const unlabelled = running(oldAlpha, { labels: {}, name: 'someone', mounts: [stateDir] });
    expect(kinds(planFleet(owner, [alpha], IMAGE_ID, [unlabelled]).actions)).toEqual({ alpha: 'create' });
  });

  it('an empty fleet removes every container of the fleet and nothing else', () => {
    const mine = running(alpha);
    const unlabelled = { id: 'x', name: 'something', labels: {}, state: 'running', imageId: IMAGE_ID };
    const plan = planFleet(owner, [], IMAGE_ID, [mine, unlabelled]);
    expect(plan.actions).toEqual([{ kind: 'remove', event: 'alpha', container: mine }]);
  });
});

describe('describeAction', () => {
  const c = running(alpha, { name: 'conf-alpha', state: 'exited' });
  it.each<[Action, string]>([
    [{ kind: 'create', event: 'alpha', service: alpha }, 'alpha: create conf-alpha'],
    [
      { kind: 'recreate', event: 'alpha', service: alpha, container: c, reason: 'image changed' },
      'alpha: recreate conf-alpha (image changed)',
    ],
    [{ kind: 'start', event: 'alpha', service: alpha, container: c }, 'alpha: start conf-alpha (was exited)'],
    [{ kind: 'keep', event: 'alpha', service: alpha, container: c }, 'alpha: keep conf-alpha (up to date)'],
    [
      { kind: 'remove', event: 'delta', container: { ...c, name: 'conf-delta' } },
      'delta: remove conf-delta (no longer in the fleet; state dir kept)',
    ],
    [
      {
        kind: 'conflict',
        event: 'alpha',
        name: 'conf-alpha',
        container: c,
        reason: 'was not created by demo-fleet (no dev.demo-fleet labels)',
        nameTaken: true,
      },
      'alpha: refuse conf-alpha: a container with that name was not created by demo-fleet (no dev.demo-fleet labels)',
    ],
  ])('%# %s', (action, line) => {
    expect(describeAction(action)).toBe(line);
  });
});

describe('planFleet: fleet identity', () => {
  /** The same fleet file's name and events, another fleet file's id (e.g. `init` in another directory). */
  const twin = FleetSchema.parse({ ...fleet, id: 'twintwintwin' });
  const [twinAlpha, twinZeta] = [serviceFor(twin, 'alpha', paths, null), serviceFor(fleetOf({ zeta: {} }), 'zeta', paths, null)];

  it("leaves another fleet file's containers of the same name alone and names both fleets", () => {
    const theirs = running(twinAlpha);
    const theirZeta = running(twinZeta, { labels: { ...twinZeta.labels, [LABELS.fleetId]: 'twintwintwin' } });
    const plan = planFleet(owner, [alpha], IMAGE_ID, [theirs, theirZeta]);
    expect(plan.actions).toHaveLength(1); // their zeta is not "no longer in the fleet"
    expect(describeAction(plan.actions[0]!)).toBe(
      'alpha: refuse conf-alpha: a container with that name belongs to another fleet file of the same name: fleet "conf" (id twintwintwin), ' +
        'this file is fleet "conf" (id confzzzzzzzz) (give this fleet another `name:`, or run up from the fleet file that made it)',
    );
    expect(planFleet(owner, [], IMAGE_ID, [theirs, theirZeta]).actions).toEqual([]);
  });

  it('adopts a container from before fleet ids when its state dir is under our appdata, and only then', () => {
    const { [LABELS.fleetId]: _, ...legacyLabels } = alpha.labels;
    const legacy = running(alpha, { labels: legacyLabels, mounts: [alpha.volumes[0]!.source] });
    expect(isOurs(legacy, owner)).toBe(true);
    expect(kinds(planFleet(owner, [alpha], IMAGE_ID, [legacy]).actions)).toEqual({ alpha: 'keep' });
    const elsewhere = running(alpha, { labels: legacyLabels, mounts: ['/home/someone/other/appdata/2026/alpha'] });
    expect(isOurs(elsewhere, owner)).toBe(false);
    expect(kinds(planFleet(owner, [alpha], IMAGE_ID, [elsewhere]).actions)).toEqual({ alpha: 'conflict' });
    expect(planFleet(owner, [], IMAGE_ID, [elsewhere]).actions).toEqual([]);
    // appdata "/srv/fleet/appdata" must not adopt "/srv/fleet/appdata-old/…"
    expect(isOurs(running(alpha, { labels: legacyLabels, mounts: ['/srv/fleet/appdata-old/2026/alpha'] }), owner)).toBe(false);
  });

  it('every container carries the fleet id label', () => {
    expect(alpha.labels[LABELS.fleetId]).toBe('confzzzzzzzz');
  });
});

describe('planFleet: what a node keeps in its state dir', () => {
  const tailscale = fleetOf({ alpha: {} });
  const headscale = FleetSchema.parse({
    name: 'conf',
    id: idOf('conf'),
    image: 'demo-fleet-test/conf',
    year: 2026,
    loginServer: 'https://hs.example.com',
    events: { alpha: {} },
  });
  const [onTailscale] = services(tailscale) as [ServiceDefinition];
  const [onHeadscale] = services(headscale) as [ServiceDefinition];
  const changed = (s: ServiceDefinition, node: ActualContainer['node']) =>
    running(s, { labels: { ...s.labels, [LABELS.configHash]: 'old' }, ...(node ? { node } : {}) });

  it('a re-create that changes the serve mode resets serve in the old container first, and says so', () => {
    const plan = planFleet(owner, [onHeadscale], IMAGE_ID, [
      changed(onHeadscale, { serveMode: 'https', loginServer: 'https://hs.example.com' }),
    ]);
    expect(plan.actions[0]).toMatchObject({ kind: 'recreate', resetServe: { from: 'https', to: 'http' } });
    expect(describeAction(plan.actions[0]!)).toBe(
      'alpha: recreate conf-alpha (configuration changed; reset serve https → http in the old container first)',
    );
  });

  it('the same serve mode, or a container not looked at: a plain re-create', () => {
    const same = planFleet(owner, [onTailscale], IMAGE_ID, [changed(onTailscale, { serveMode: 'https', loginServer: undefined })]);
    expect(same.actions[0]).toMatchObject({ kind: 'recreate', reason: 'configuration changed' });
    expect(same.actions[0]).not.toHaveProperty('resetServe');
    const unknown = planFleet(owner, [onTailscale], IMAGE_ID, [changed(onTailscale, undefined)]);
    expect(unknown.actions[0]).not.toHaveProperty('resetServe');
  });

  it('a login server added, changed or removed on an existing node is refused with the fix, the container untouched', () => {
    const added = planFleet(owner, [onHeadscale], IMAGE_ID, [changed(onHeadscale, { serveMode: 'http', loginServer: undefined })]);
    expect(added.actions).toHaveLength(1);
    expect(added.actions[0]).toMatchObject({ kind: 'conflict', event: 'alpha' });
    expect(describeAction(added.actions[0]!)).toBe(
      'alpha: refuse conf-alpha: its node (state dir /srv/fleet/appdata/2026/alpha) is registered with Tailscale, the fleet file now says ' +
        'https://hs.example.com: a node cannot change its login server (remove loginServer again, or move the state dir aside to make a new node)',
    );
    const removed = planFleet(owner, [onTailscale], IMAGE_ID, [
      changed(onTailscale, { serveMode: 'http', loginServer: 'https://hs.example.com' }),
    ]);
    expect(describeAction(removed.actions[0]!)).toContain('set `loginServer: https://hs.example.com` again');
    const moved = planFleet(owner, [onHeadscale], IMAGE_ID, [
      changed(onHeadscale, { serveMode: 'http', loginServer: 'https://old.example.com' }),
    ]);
    expect(moved.actions[0]).toMatchObject({ kind: 'conflict' });
  });

  it('a re-create onto another state dir (a new node) is refused with the fix', () => {
    const c = changed(onTailscale, undefined);
    const plan = planFleet(owner, [onTailscale], IMAGE_ID, [{ ...c, mounts: ['/old/appdata/2026/alpha'] }]);
    expect(describeAction(plan.actions[0]!)).toBe(
      "alpha: refuse conf-alpha: its node's state dir is /old/appdata/2026/alpha, the fleet file now puts it at /srv/fleet/appdata/2026/alpha: " +
        'that would be a new tailnet node (set appdata/year back, or stop the container and move /old/appdata/2026/alpha to /srv/fleet/appdata/2026/alpha first; ' +
        'or, when this fleet file is a copy of the one that made it (another clone) and should be a fleet of its own: ' +
        'delete its `id:` line, run `demo-fleet init` and give it another `name:`)',
    );
    const same = planFleet(owner, [onTailscale], IMAGE_ID, [{ ...c, mounts: ['/srv/fleet/appdata/2026/alpha'] }]);
    expect(same.actions[0]).toMatchObject({ kind: 'recreate' });
  });
});
