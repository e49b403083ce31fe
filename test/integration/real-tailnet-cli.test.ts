/**
 * The product's own CLI on a real tailnet: real headscale (its API and its control plane), real
 * tailscaled/tailscale in the event containers (test/fixtures/real-tailnet), real visitors. The fleet
 * file names headscale as the login server, mints keys through its API (`keys:`) and puts the events on
 * the tailnet's Docker network (`network:`); everything else is what a user runs.
 *
 *   1. up mints a key through the real API, the event is served (MagicDNS URL in up and status), the
 *      key is expired once served; a visitor is greeted by name through serve
 *   2. a restart (container restart, and `demo-fleet restart`) after the key was revoked: served again
 *   3. a refused first join is named with the fix; after `down` + `up` a fresh key is minted: served
 *   4. `headscale nodes expire` on a served node: status says it expired and how to fix it
 *   5. retire deletes the real node
 *
 * Runs on every headscale version of scripts/tailnet-binaries.sh (DEMO_FLEET_HEADSCALE_VERSIONS narrows).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../cli/fleet/file.js';
import { docker, expectOk, fleets, type TestFleet } from '../helpers/engine-fixture.js';
import {
  buildRealTailnetImages,
  EVENT_BASE_IMAGE,
  headscaleVersionsToRun,
  RealTailnet,
  type TailnetNode,
  realTailnetReady,
} from '../helpers/real-tailnet.js';

const ready = realTailnetReady();
const VERSIONS = headscaleVersionsToRun();
const API_KEY_VAR = 'RT_HEADSCALE_API_KEY';
const BOGUS_KEY_VAR = 'RT_BOGUS_AUTHKEY';
const BETA_RENAMED = 'beta-renamed';
const ADA = { name: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace', pictureUrl: 'https://example.com/ada.png' };

interface StatusRow {
  event: string;
  tailnet: string;
  url: string | null;
}

describe.skipIf(!ready)('the CLI on a real tailnet', () => {
  beforeAll(async () => {
    await buildRealTailnetImages();
  });

  describe.each(VERSIONS)('headscale %s', (version) => {
    const make = fleets();
    let tailnet: RealTailnet;
    let f: TestFleet;
    let ada: TailnetNode;
    let year = 0;
    const fqdn = (event: string) => `${event}${year}.${tailnet.baseDomain}`;
    const up = (args: string[] = []) => f.cli(['up', '--base-image', EVENT_BASE_IMAGE, '--wait-timeout', '120', ...args]);
    const status = async () =>
      Object.fromEntries(
        (JSON.parse(expectOk(await f.cli(['status', '--json']), 'status').stdout) as StatusRow[]).map((r) => [r.event, r]),
      );
    /** The visitor's GET through serve (plain http on :443: SERVE_MODE=http on headscale). */
    const visit = (event: string, p = '/') => ada.fetch(fqdn(event), 443, p);

    beforeAll(async () => {
      tailnet = await RealTailnet.start({ version, name: `cli${version.replace(/\D/g, '')}` });
      const fleetUser = await tailnet.createUser({ name: 'fleet', email: 'fleet@example.com' });
      const adaUser = await tailnet.createUser(ADA);
      const apiKey = await tailnet.createApiKey();
      ada = await tailnet.startVisitor({ name: 'ada-laptop', authKey: (await tailnet.createPreAuthKey({ user: adaUser })).key });
      f = await make({
        events: { alpha: [], beta: ['--auth-key-env', BOGUS_KEY_VAR] },
        keyless: ['alpha'],
        // an auth key headscale never issued: the first join is refused
        env: { [API_KEY_VAR]: apiKey, [BOGUS_KEY_VAR]: '0123456789abcdef0123456789abcdef0123456789abcdef' },
      });
      const text = await readFile(f.file, 'utf8');
      await writeFile(
        f.file,
        `${text}loginServer: ${tailnet.serverUrl}\nnetwork: ${tailnet.network}\nkeys:\n  apiKey:\n    env: ${API_KEY_VAR}\n  user: ${fleetUser.name}\n  expiry: 10m\n`,
      );
      year = (await loadFleet(f.file)).fleet.year;
    });

    afterAll(async () => {
      // the fleet's containers first (fleets() cleans up after this hook), then the tailnet
      await f?.cli(['down']);
      await tailnet?.cleanup();
    });

    it('1. up mints a key through the real API; alpha is served at its MagicDNS name, the key expired once served; a visitor is greeted by name', async () => {
      const r = await up();
      // beta's key is refused (scenario 3): a person is needed, exit 9; alpha is served
      expect(r.code, r.stderr).toBe(9);
      expect(r.stderr).toMatch(/alpha: minted auth key \S+ on headscale/);
      expect(r.stderr).toMatch(/alpha: auth key \S+ revoked/);
      expect(r.stderr).not.toMatch(/not revoked/);
      expect(r.stdout).toMatch(new RegExp(`alpha\\s+create\\s+served\\s+\\S+\\s+http://${fqdn('alpha').replaceAll('.', '\\.')}:443`));
      expect((await status()).alpha).toMatchObject({ tailnet: 'served', url: `http://${fqdn('alpha')}:443` });
      const page = await visit('alpha');
      expect(page.status).toBe(200);
      expect(page.body).toContain(`Now we're friends, ${ADA.displayName} (${ADA.email})`);
      // the minted key was never printed
      const node = await tailnet.node(`alpha${year}`);
      expect(node?.user?.name).toBe('fleet');
    });

    it('3. a refused first join is named at once with the fix, not "joining the tailnet"', async () => {
      const beta = (await status()).beta!;
      expect(beta.tailnet).toMatch(/^the control server refused the auth key \(.+\): give the node a new key/);
      expect(beta.url).toBeNull();
    });

    it('2. restarts after the key was revoked come back served without anyone (docker restart, demo-fleet restart alpha, stop + up)', async () => {
      await docker(['restart', f.container('alpha')]);
      expectOk(await f.cli(['restart', 'alpha', '--wait-timeout', '120']), 'restart alpha');
      await docker(['stop', f.container('alpha')]);
      const r = await up(); // beta still waits for a person (exit 9); alpha is started and served
      expect(r.code, r.stderr).toBe(9);
      expect(r.stderr).toContain(`alpha: start ${f.container('alpha')} (was exited)`);
      expect(r.stdout).toMatch(new RegExp(`alpha\\s+start\\s+served\\s+\\S+\\s+http://${fqdn('alpha').replaceAll('.', '\\.')}:443`));
      expect((await status()).alpha).toMatchObject({ tailnet: 'served', url: `http://${fqdn('alpha')}:443` });
      expect((await visit('alpha')).status).toBe(200);
    });

    it('3b. after down + up without its bad key, beta gets a freshly minted key and is served', async () => {
      expectOk(await f.cli(['down', 'beta']), 'down beta');
      const text = await readFile(f.file, 'utf8');
      // drop beta's own key: keys: mints one (its state dir holds a machine key, but no registered node)
      const edited = text.replace(new RegExp(`(\\n\\s+beta:)\\n\\s+authKey:\\n\\s+env: ${BOGUS_KEY_VAR}`), '$1 {}');
      expect(edited).not.toContain(BOGUS_KEY_VAR);
      await writeFile(f.file, edited);
      const r = expectOk(await up(), 'up after down beta');
      expect(r.stderr).toMatch(/beta: minted auth key \S+ on headscale/);
      expect((await status()).beta).toMatchObject({ tailnet: 'served', url: `http://${fqdn('beta')}:443` });
      expect((await visit('beta')).status).toBe(200);
    });

    it('3c. a hostname change (state kept): beta is re-created and served at its new name, never a stale "served"', async () => {
      const doc = parseDocument(await readFile(f.file, 'utf8'));
      doc.setIn(['events', 'beta', 'hostname'], BETA_RENAMED);
      await writeFile(f.file, doc.toString());
      const r = expectOk(await up(), 'up after the hostname change');
      const url = `http://${BETA_RENAMED}.${tailnet.baseDomain}:443`;
      expect(r.stderr).toMatch(
        new RegExp(`beta: recreate ${f.container('beta')} \\(configuration changed: .*hostname beta${year} → ${BETA_RENAMED}\\)`),
      );
      expect(r.stdout).toMatch(new RegExp(`beta\\s+recreate\\s+served\\s+\\S+\\s+${url.replaceAll('.', '\\.')}`));
      expect((await status()).beta).toMatchObject({ tailnet: 'served', url });
      expect((await ada.fetch(`${BETA_RENAMED}.${tailnet.baseDomain}`, 443, '/')).status).toBe(200);
      expect((await tailnet.node(BETA_RENAMED))?.id).toBeDefined(); // the same node, renamed (no -1)
    });

    it('4. an expired node key: status says so, when, and how to fix it', async () => {
      const node = await tailnet.node(BETA_RENAMED);
      expect(node, 'beta is a node of headscale').toBeDefined();
      await tailnet.expireNode(String(node!.id)); // throws when headscale refuses
      let row: StatusRow | undefined;
      for (let i = 0; i < 30; i++) {
        row = (await status()).beta;
        if (row?.tailnet.startsWith('node key expired')) break;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      expect(row?.tailnet).toMatch(/^node key expired at \S+: visitors cannot reach it; re-authenticate the node/);
    });

    it('5. retire deletes the real node', async () => {
      const before = await tailnet.node(`alpha${year}`);
      expect(before).toBeDefined();
      const r = expectOk(await f.cli(['retire', 'alpha']), 'retire alpha');
      expect(r.stdout).toContain(`alpha\tnode\tdone\tdeleted node ${before!.id} on headscale`);
      expect(await tailnet.node(`alpha${year}`)).toBeUndefined();
    });
  });
});
