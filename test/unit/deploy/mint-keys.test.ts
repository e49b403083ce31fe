/**
 * The mint step: which events get a key (new nodes only, never an interactive one), minted several at
 * once, and a failed mint takes back every key the run made before the deploy fails.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../cli/converge/plan.js';
import type { Deployment } from '../../../cli/deploy/deployment.js';
import { mintKeys } from '../../../cli/deploy/mint-keys.js';
import { FleetSchema } from '../../../cli/fleet/schema.js';
import { serviceFor } from '../../../cli/render/service.js';
import type { Reporter } from '../../../cli/reporter.js';
import type { ControlServer } from '../../../cli/tailnet/control.js';
import { MintedKey } from '../../../cli/tailnet/minted.js';

let secretsDir: string;
beforeEach(async () => {
  secretsDir = await mkdtemp(path.join(tmpdir(), 'mint-keys-'));
});
afterEach(async () => {
  await rm(secretsDir, { recursive: true, force: true });
});

const fleet = FleetSchema.parse({
  name: 'acme',
  id: 'abcdefghijkl',
  year: 2026,
  controlServer: { version: '0.29.3', url: 'http://10.1.2.3:8080', baseDomain: 'demo.tailnet.test' },
  events: { alpha: {}, beta: {}, gamma: {}, delta: { interactiveLogin: true }, old: {} },
});

function deployment(nodes: string[]): Deployment {
  return {
    fleet,
    paths: { secretsDir },
    target: { hostFiles: { hasNodeState: async (_image: string, dir: string) => nodes.some((e) => dir.endsWith(`/${e}`)) } },
  } as unknown as Deployment;
}

function plan(): Plan {
  const actions = Object.keys(fleet.events).map((event) => ({
    kind: 'create' as const,
    event,
    service: serviceFor(fleet, event, { fleetDir: '/srv', secretsDir }, null),
  }));
  return { recovery: [], actions };
}

const quiet: Reporter = { step: () => {}, progress: () => {}, warn: () => {} };

function server(failOn?: string) {
  const revoked: string[] = [];
  let inFlight = 0;
  let most = 0;
  const control: ControlServer = {
    name: 'headscale (test)',
    mint: async (event) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      if (event === failOn) throw new Error(`refused ${event}`);
      return new MintedKey(`id-${event}`, `key-${event}`, undefined, '1');
    },
    revoke: async (ref) => {
      revoked.push(ref.id);
      return 'revoked';
    },
    isNodeId: () => true,
    nodeIdsByHostname: async () => [],
    deleteNode: async () => 'deleted',
  };
  return { control, revoked, most: () => most };
}

describe('mintKeys', () => {
  it('mints for new nodes only, several at once; never for an interactive event or one whose state dir holds a node', async () => {
    const s = server();
    const run = await mintKeys(deployment(['old']), plan(), quiet, {}, s.control);
    expect(run.events.sort()).toEqual(['alpha', 'beta', 'gamma']);
    expect(s.most()).toBeGreaterThan(1);
    const withKey = run.plan.actions.filter((a) => a.kind === 'create' && a.service.envFile !== null).map((a) => a.event);
    expect(withKey.sort()).toEqual(['alpha', 'beta', 'gamma']);
    await run.revoke();
    expect(s.revoked.sort()).toEqual(['id-alpha', 'id-beta', 'id-gamma']);
  });

  it('a failed mint takes back every key this run made (none left open or on disk), then fails', async () => {
    const s = server('beta');
    await expect(mintKeys(deployment([]), plan(), quiet, {}, s.control)).rejects.toThrow('refused beta');
    expect(s.revoked.sort()).toEqual(['id-alpha', 'id-gamma', 'id-old']);
    expect((await readdir(secretsDir)).filter((f) => f.endsWith('.env'))).toEqual([]);
  });
});
