/**
 * cli/targets/swarm/placement.ts: an event's home node. homeOf and nodeHolding are pure; placeEvent is run
 * against a small stand-in for the three node calls it makes (listNodes, getNode().inspect(), update()),
 * which keeps the nodes as the engine answers them (GET /nodes) and records each update.
 */
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../cli/errors.js';
import { FleetSchema } from '../../../../cli/fleet/schema.js';
import { serviceFor } from '../../../../cli/render/service.js';
import { homeOf, listNodes, nodeHolding, placeEvent, type SwarmNode } from '../../../../cli/targets/swarm/placement.js';

const PREFIX = 'dev.demo-fleet.home.';

function node(id: string, labels: Record<string, string> = {}, over: Partial<SwarmNode> = {}): SwarmNode {
  return { id, hostname: `host-${id}`, role: 'worker', ready: true, active: true, availability: 'active', labels, version: 1, ...over };
}

describe('homeOf', () => {
  const nodes = [
    node('n1', { [`${PREFIX}id-demo-tokyo`]: '/srv/a/2026/tokyo' }),
    node('n2', { [`${PREFIX}id-demo-cleveland`]: '/srv/a/2026/cleveland', other: 'x' }),
  ];
  it('is the node labelled for the service, with the key and the state dir', () => {
    expect(homeOf(nodes, 'id-demo-cleveland')).toEqual({
      node: nodes[1],
      key: `${PREFIX}id-demo-cleveland`,
      value: '/srv/a/2026/cleveland',
    });
  });
  it('is null when no node is labelled for it (a label of another service does not count)', () => {
    expect(homeOf(nodes, 'id-demo-berlin')).toBeNull();
    expect(homeOf(nodes, 'id-demo-tok')).toBeNull();
    expect(homeOf([], 'id-demo-tokyo')).toBeNull();
  });
  it('finds a label with an empty value', () => {
    expect(homeOf([node('n3', { [`${PREFIX}s`]: '' })], 's')?.node.id).toBe('n3');
  });
});

describe('nodeHolding', () => {
  const nodes = [node('n1', { other: '/srv/a/2026/tokyo' }), node('n2', { [`${PREFIX}id-demo-tokyo`]: '/srv/a/2026/tokyo' })];
  it('is the node whose home label (of any service) has the state dir as its value', () => {
    expect(nodeHolding(nodes, '/srv/a/2026/tokyo')).toMatchObject({ node: { id: 'n2' }, key: `${PREFIX}id-demo-tokyo` });
  });
  it('is null for a state dir no home label names (other labels do not count)', () => {
    expect(nodeHolding(nodes, '/srv/a/2026/cleveland')).toBeNull();
    expect(nodeHolding([node('n1', { other: '/srv/a/2026/tokyo' })], '/srv/a/2026/tokyo')).toBeNull();
  });
});

/** The engine's answer for a node (GET /nodes/{id}). */
interface NodeInfo {
  ID: string;
  Version: { Index: number };
  Spec: { Role: string; Availability: string; Labels: Record<string, string> };
  Description: { Hostname: string };
  Status: { State: string };
}

function info(id: string, hostname: string, labels: Record<string, string> = {}, state = 'ready', availability = 'active'): NodeInfo {
  return {
    ID: id,
    Version: { Index: 10 },
    Spec: { Role: 'worker', Availability: availability, Labels: labels },
    Description: { Hostname: hostname },
    Status: { State: state },
  };
}

/** listNodes, getNode(id).inspect() and .update() over `nodes`; each update is recorded and applied. */
function fakeDocker(nodes: NodeInfo[]) {
  const updates: Array<{ id: string; version: unknown; labels: Record<string, string> }> = [];
  const docker = {
    listNodes: async () => structuredClone(nodes),
    getNode: (id: string) => ({
      inspect: async () => structuredClone(nodes.find((n) => n.ID === id)),
      update: async (opts: { _query: { version: number }; _body: NodeInfo['Spec'] }) => {
        const n = nodes.find((x) => x.ID === id)!;
        if (opts._query.version !== n.Version.Index) throw new Error('update out of sequence');
        updates.push({ id, version: opts._query.version, labels: opts._body.Labels });
        n.Spec = structuredClone(opts._body);
        n.Version.Index += 1;
      },
    }),
  };
  return { docker: docker as unknown as Docker, updates };
}

const fleet = FleetSchema.parse({
  name: 'id-demo',
  id: 'k3vq7rd2wmx5',
  image: 'registry.example:5000/demo',
  year: 2026,
  appdata: '/srv/appdata',
  target: 'swarm',
  events: { cleveland: {}, tokyo: { node: 'host-b' } },
});
const paths = { fleetDir: '/srv/fleet', secretsDir: '/srv/fleet/compose/secrets' };
const cleveland = serviceFor(fleet, 'cleveland', paths, null);
const tokyo = serviceFor(fleet, 'tokyo', paths, null);
const CLEVELAND_KEY = `${PREFIX}id-demo-cleveland`;
const CLEVELAND_DIR = '/srv/appdata/2026/cleveland';

describe('listNodes', () => {
  it('reads ready, active, role, labels and version, ordered by ID', async () => {
    const { docker } = fakeDocker([info('zz', 'host-z', {}, 'down', 'drain'), info('aa', 'host-a', { k: 'v' })]);
    const nodes = await listNodes(docker);
    expect(nodes.map((n) => n.id)).toEqual(['aa', 'zz']);
    expect(nodes[0]).toEqual({
      id: 'aa',
      hostname: 'host-a',
      role: 'worker',
      ready: true,
      active: true,
      availability: 'active',
      labels: { k: 'v' },
      version: 10,
    });
    expect(nodes[1]).toMatchObject({ ready: false, active: false, availability: 'drain' });
  });
});

describe('placeEvent: first deploy', () => {
  it('labels the ready, active node with the fewest events, keeping its other labels', async () => {
    const { docker, updates } = fakeDocker([
      info('a1', 'host-a', { [`${PREFIX}x-1`]: '/d/1', [`${PREFIX}x-2`]: '/d/2' }),
      info('b1', 'host-b', { [`${PREFIX}x-3`]: '/d/3', keep: 'me' }),
      info('c1', 'host-c', {}, 'down'),
      info('d1', 'host-d', {}, 'ready', 'drain'),
    ]);
    const home = await placeEvent(docker, cleveland);
    expect(home).toMatchObject({ node: { id: 'b1' }, key: CLEVELAND_KEY, value: CLEVELAND_DIR });
    expect(updates).toEqual([{ id: 'b1', version: 10, labels: { [`${PREFIX}x-3`]: '/d/3', keep: 'me', [CLEVELAND_KEY]: CLEVELAND_DIR } }]);
  });

  it('takes the first node by ID among equally busy ones', async () => {
    const { docker } = fakeDocker([info('b1', 'host-b'), info('a1', 'host-a')]);
    expect((await placeEvent(docker, cleveland)).node.id).toBe('a1');
  });

  it('puts it on the node node: names, by hostname, ID or a start of the ID, busy or not', async () => {
    const nodes = [info('a1', 'host-a'), info('b1xyz', 'host-b', { [`${PREFIX}x-1`]: '/d/1' })];
    const byHost = fakeDocker(structuredClone(nodes));
    expect((await placeEvent(byHost.docker, tokyo)).node.id).toBe('b1xyz');
    expect(byHost.updates[0]).toMatchObject({ id: 'b1xyz', labels: { [`${PREFIX}id-demo-tokyo`]: '/srv/appdata/2026/tokyo' } });
    const byId = fakeDocker(structuredClone(nodes));
    expect((await placeEvent(byId.docker, { ...tokyo, placement: 'b1' })).node.id).toBe('b1xyz');
  });

  it('refuses a node: that is no node of the swarm, listing the nodes', async () => {
    const { docker, updates } = fakeDocker([info('a1', 'host-a')]);
    const err = await placeEvent(docker, { ...tokyo, placement: 'host-q' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/node: host-q is not a node of the swarm \(nodes: host-a \(a1\)\)/);
    expect(updates).toEqual([]);
  });

  it('refuses a node: that names several nodes (two nodes with one hostname): give the ID', async () => {
    const { docker } = fakeDocker([info('a1', 'same'), info('a2', 'same')]);
    await expect(placeEvent(docker, { ...tokyo, placement: 'same' })).rejects.toThrow(/names 2 nodes .*give the node ID/);
  });

  it('refuses when no node is ready and active, saying how to activate one', async () => {
    const { docker, updates } = fakeDocker([info('a1', 'host-a', {}, 'ready', 'drain'), info('b1', 'host-b', {}, 'down')]);
    await expect(placeEvent(docker, cleveland)).rejects.toThrow(
      /no node of the swarm is ready and active .*docker node update --availability active/,
    );
    expect(updates).toEqual([]);
  });
});

describe('placeEvent: an event with a home', () => {
  it('never moves silently: a drained or down home is refused in one line with the fix, and no other node is labelled', async () => {
    const { docker, updates } = fakeDocker([
      info('a1', 'host-a'),
      info('b1', 'host-b', { [CLEVELAND_KEY]: CLEVELAND_DIR }, 'down', 'drain'),
    ]);
    const err = (await placeEvent(docker, cleveland).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/^cleveland: its home node host-b \(b1\) is down .*docker node update --availability active b1/);
    const drained = fakeDocker([info('a1', 'host-a'), info('b1', 'host-b', { [CLEVELAND_KEY]: CLEVELAND_DIR }, 'ready', 'drain')]);
    expect(((await placeEvent(drained.docker, cleveland).catch((e: unknown) => e)) as Error).message).toMatch(/is drain /);
    expect([...updates, ...drained.updates]).toEqual([]);
  });

  it('keeps a node: that names its home', async () => {
    const key = `${PREFIX}id-demo-tokyo`;
    const { docker, updates } = fakeDocker([info('b1', 'host-b', { [key]: '/srv/appdata/2026/tokyo' })]);
    expect((await placeEvent(docker, tokyo)).node.id).toBe('b1');
    expect(updates).toEqual([]);
  });

  it('refuses a node: naming another node than its home, saying what a move means', async () => {
    const key = `${PREFIX}id-demo-tokyo`;
    const { docker, updates } = fakeDocker([info('a1', 'host-a', { [key]: '/srv/appdata/2026/tokyo' }), info('b1', 'host-b')]);
    const err = (await placeEvent(docker, tokyo).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/is on node host-a \(a1\), the fleet file says node: host-b/);
    expect(err.message).toMatch(/makes a new tailnet node/);
    expect(err.message).toContain(`docker node update --label-rm ${key} a1`);
    expect(updates).toEqual([]);
  });

  it('refuses a home whose label names another state dir (appdata or year changed)', async () => {
    const { docker } = fakeDocker([info('a1', 'host-a', { [CLEVELAND_KEY]: '/old/appdata/2025/cleveland' })]);
    await expect(placeEvent(docker, cleveland)).rejects.toThrow(
      /node state is \/old\/appdata\/2025\/cleveland .*now puts it at \/srv\/appdata\/2026\/cleveland/,
    );
  });
});
