/**
 * Issue 14 with headscale as the control server (the fleet's loginServer), on the real engine and the
 * tailnet model, against the headscale v0.26.1 contract server (requests and answers checked against
 * the swagger file headscale ships at that tag; zero violations). 0.26 is the older shape: a key is made
 * for the user's numeric ID (looked up by name) and expired by user ID + the key itself.
 *   - `up` mints a pre-auth key for the new node (single use, not ephemeral, expiring), the modelled node
 *     reaches Running with it (the model accepts only that key), and the key is expired once served;
 *   - `retire` deletes the node by its numeric ID (the model's own Self.ID is not one, so it is found by
 *     hostname through the API), archives the state dir and drops the event.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../cli/fleet/file.js';
import { stateDir } from '../../cli/fleet/naming.js';
import type { ContractReply, ContractRequest, ContractServer } from '../helpers/contract-server.js';
import { FakeHeadscale, HEADSCALE_UPSTREAM, startHeadscaleContract } from '../helpers/contract-headscale.js';
import { docker, ensureBaseImage, expectOk, fleets, type TestFleet } from '../helpers/engine-fixture.js';
import { dockerEngine, runId } from '../helpers/requirements.js';

const engine = dockerEngine();
const API_KEY_VAR = `DEMO_FLEET_TEST_HS_KEY_${runId.toUpperCase()}`;
const API_KEY = `Q2xldmVsYW5k.hsTestLegacyApiKey${runId}`;
/** The pre-auth key the fake mints: known in advance, so the model accepts exactly it. */
const KEY = `hsmintedkey${runId}donotprint0123456789abcdef`;

class PresetKeyHeadscale extends FakeHeadscale {
  override handlers(): Record<string, (req: ContractRequest) => ContractReply> {
    const handlers = super.handlers();
    const create = handlers.HeadscaleService_CreatePreAuthKey!;
    handlers.HeadscaleService_CreatePreAuthKey = (req) => {
      const reply = create(req);
      const body = reply.body as { preAuthKey?: { id: string; key: string } } | undefined;
      if (reply.status !== 200 || !body?.preAuthKey) return reply;
      this.keys.find((k) => String(k.id) === body.preAuthKey!.id)!.key = KEY;
      body.preAuthKey.key = KEY;
      return reply;
    };
    return handlers;
  }
}

describe.skipIf(!engine.ok || !HEADSCALE_UPSTREAM.ok)('keys: headscale 0.26 as the login server', () => {
  const make = fleets();
  const fake = new PresetKeyHeadscale(26);
  let server: ContractServer;
  let f: TestFleet;
  let year = 0;
  const calls = (operationId: string) => server.calls.filter((c) => c.operationId === operationId && !c.fault);

  beforeAll(async () => {
    await ensureBaseImage();
    fake.apiKeys.add(API_KEY);
    fake.addUser('demo');
    server = await startHeadscaleContract(fake, { serveSpec: true });
    f = await make({ events: { delta: [] }, keyless: ['delta'], env: { [API_KEY_VAR]: API_KEY } });
    const text = await readFile(f.file, 'utf8');
    await writeFile(
      f.file,
      `${text}loginServer: ${server.origin}\nkeys:\n  apiKey:\n    env: ${API_KEY_VAR}\n  user: demo\n  expiry: 10m\n`,
    );
    const { fleet } = await loadFleet(f.file);
    year = fleet.year;
    const dir = stateDir(fleet, 'delta', fleet.events.delta!, f.dir);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'tailnet-model.env'), `TAILNET_MODEL_AUTHKEYS=${KEY}\n`);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('1. up mints a pre-auth key for the user, the node reaches Running with it, the key is expired once served', async () => {
    const r = expectOk(await f.up(), 'up');
    expect(r.stdout).toMatch(new RegExp(`delta\\s+create\\s+served\\s+\\S+\\s+http://delta${year}\\.`));
    expect(r.stderr).toMatch(new RegExp(`delta: minted auth key 1 on headscale \\(${server.host.replace('.', '\\.')}\\)`));
    expect(r.stderr).toContain('delta: auth key 1 revoked');
    const status = JSON.parse(await docker(['exec', f.container('delta'), 'tailscale', 'status', '--json'])) as { BackendState: string };
    expect(status.BackendState).toBe('Running');
    const [key] = fake.keys;
    expect(key).toMatchObject({ userId: 1, reusable: false, ephemeral: false });
    // expired by user ID + key (the 0.26 shape): its expiration is now
    expect(Date.parse(key!.expiration)).toBeLessThanOrEqual(Date.now());
    expect(calls('HeadscaleService_ExpirePreAuthKey')).toHaveLength(1);
    const printed = f.runs.map((x) => x.result.stdout + x.result.stderr).join('\n');
    expect(printed).not.toContain(KEY);
    expect(printed).not.toContain(API_KEY);
    expect(await readFile(path.join(f.dir, 'compose', 'docker-compose.yml'), 'utf8')).not.toContain(KEY);
    expect(server.report()).toBe('');
  });

  it('2. retire deletes the node by its numeric ID (found by hostname), archives the state dir, drops the event', async () => {
    const node = fake.addNode(`delta${year}`, fake.users[0]!);
    fake.addNode('someone-else', fake.users[0]!);
    const r = expectOk(await f.cli(['retire', 'delta']), 'retire');
    expect(r.stdout).toContain(`delta\tnode\tdone\tdeleted node ${node.id} on headscale (${server.host})`);
    expect(calls('HeadscaleService_DeleteNode').map((c) => c.path)).toEqual([`/api/v1/node/${node.id}`]);
    expect(fake.nodes.map((n) => n.name)).toEqual(['someone-else']);
    expect(existsSync(path.join(f.dir, 'appdata', String(year), 'delta'))).toBe(false);
    expect(existsSync(path.join(f.dir, 'appdata', 'archive', String(year)))).toBe(true);
    expect(Object.keys((await loadFleet(f.file)).fleet.events)).toEqual([]);
    expect(server.report()).toBe('');
  });
});
