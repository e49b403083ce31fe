import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetSchema } from '../../cli/fleet/schema.js';
import { eventEnvironment, STATE_DIR, TUN_CAPABILITIES, TUN_DEVICE } from '../../cli/render/service.js';
import { NODE_STATUS_COMMAND, parseNodeStatus } from '../../cli/tailnet/node-state.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { appBundle, docker, exec, sleep, waitFor } from '../helpers/engine-fixture.js';
import {
  buildRealTailnetImages,
  containerMemory,
  EVENT_BASE_IMAGE,
  HEADSCALE_VERSIONS,
  headscaleVersionsToRun,
  type HttpResponse,
  type PreAuthKey,
  RealTailnet,
  TAILSCALE_VERSION,
  TailnetNode,
  realTailnetReady,
} from '../helpers/real-tailnet.js';
import { runId } from '../helpers/requirements.js';

const ready = realTailnetReady();
const bundle = ready ? appBundle() : { ok: false };

const APP_TAG = `demo-fleet-test/real-tailnet-app:${runId}`;
/** The newest headscale: the version-independent (tailscale-side) checks run on it only. */
const NEWEST = HEADSCALE_VERSIONS[HEADSCALE_VERSIONS.length - 1]!;
const EVENT = 'booth';
const YEAR = 2026;
const HOST = `${EVENT}${YEAR}`;
/** Headscale versions to run (all by default; DEMO_FLEET_HEADSCALE_VERSIONS="v0.29.3" narrows). */
const VERSIONS = headscaleVersionsToRun();

const ADA = { name: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace', pictureUrl: 'https://example.com/ada.png' };
const ZOE = { name: 'zoe', email: 'zoe@example.com', displayName: 'Zoë Ångström', pictureUrl: 'https://example.com/zo%C3%AB.png' };
/** Go's mime.QEncoding of the display name, as serve sends it (ipn/ipnlocal/serve.go encTailscaleHeaderValue). */
const ZOE_ENCODED = '=?utf-8?q?Zo=C3=AB_=C3=85ngstr=C3=B6m?=';
const FORGED: Array<[string, string]> = [
  ['Tailscale-User-Login', 'mallory@evil.example'],
  ['Tailscale-User-Name', 'Mallory'],
  ['Tailscale-User-Profile-Pic', 'https://evil.example/m.png'],
];

interface WhoAmI {
  identified: boolean;
  login: string;
  name: string;
  profilePic: string | null;
  funnel: boolean;
}

/** The devices and capabilities the product renders for every event (cli/render/service.ts), as docker run arguments. */
const PRODUCT_DEVICE_ARGS = [`--device=${TUN_DEVICE}`, ...TUN_CAPABILITIES.map((c) => `--cap-add=${c}`)];

/** The environment the product renders for the event (cli/render/service.ts), on this login server. */
function productEnv(loginServer: string): Record<string, string> {
  const fleet = FleetSchema.parse({ name: 'rt', year: YEAR, loginServer, events: { [EVENT]: {} } });
  return Object.fromEntries(eventEnvironment(fleet, EVENT, fleet.events[EVENT]!));
}

function headerValue(html: string, name: string): string | undefined {
  // the friend page's identity list: <dt>Name</dt><dd><span class="decoded">…</span>[<small class="raw">raw: <code>…</code></small>]</dd>
  const m = new RegExp(`<dt>${name}</dt><dd>(.*?)</dd>`, 'i').exec(html);
  return m?.[1];
}

describe.skipIf(!ready || !bundle.ok)(`real tailnet: tailscale ${TAILSCALE_VERSION} on headscale`, () => {
  let ctx = '';

  beforeAll(async () => {
    await buildRealTailnetImages();
    // the product's build context (cli/engine/context.ts): templates/Dockerfile, templates/s6, dist/image
    ctx = await mkdtemp(path.join(tmpdir(), 'demo-fleet-real-tailnet-app-'));
    await cp(path.join(REPO_ROOT, 'templates', 'Dockerfile'), path.join(ctx, 'Dockerfile'));
    await cp(path.join(REPO_ROOT, 'templates', 's6'), path.join(ctx, 's6'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'dist', 'image'), path.join(ctx, 'app'), { recursive: true });
    const b = await exec('docker', ['build', '-q', '--build-arg', `BASE_IMAGE=${EVENT_BASE_IMAGE}`, '-t', APP_TAG, ctx], {
      timeoutMs: 300_000,
    });
    if (b.code !== 0) throw new Error(`docker build of the app on ${EVENT_BASE_IMAGE} failed: ${b.stderr}`);
  });

  afterAll(async () => {
    await exec('docker', ['image', 'rm', '-f', APP_TAG]);
    if (ctx) await rm(ctx, { recursive: true, force: true });
  });

  describe.each(VERSIONS)('headscale %s: an event served to real visitors', (version) => {
    let tailnet: RealTailnet;
    let event: TailnetNode;
    let eventContainer = '';
    let eventKey: PreAuthKey;
    let ada: TailnetNode;
    let zoe: TailnetNode;
    let bot: TailnetNode;
    let fqdn = '';
    let servedMs = 0;

    /** `visitor` fetches the event's page through serve (port 443, plain http: SERVE_MODE=http). */
    const visit = (visitor: TailnetNode, p: string, headers: Array<[string, string]> = []): Promise<HttpResponse> =>
      visitor.fetch(fqdn, 443, p, { headers });

    beforeAll(async () => {
      tailnet = await RealTailnet.start({ version, name: `hs${version.replace(/\D/g, '')}` });
      fqdn = `${HOST}.${tailnet.baseDomain}`;
      const fleetUser = await tailnet.createUser({ name: 'fleet', email: 'fleet@example.com', displayName: 'Demo Fleet' });
      const adaUser = await tailnet.createUser(ADA);
      const zoeUser = await tailnet.createUser(ZOE);
      // the event: a single-use key of the fleet's user, as `keys:` mints one per new node
      eventKey = await tailnet.createPreAuthKey({ user: fleetUser });
      const state = await tailnet.volume(`${EVENT}-state`);
      const env = { ...productEnv(tailnet.serverUrl), TAILSCALE_AUTHKEY: eventKey.key };
      const started = Date.now();
      eventContainer = await tailnet.run(EVENT, APP_TAG, env, ['-v', `${state}:${STATE_DIR}`, ...PRODUCT_DEVICE_ARGS]);
      event = new TailnetNode(eventContainer);
      // visitors join while the event starts
      const [a, z, b] = await Promise.all([
        tailnet.createPreAuthKey({ user: adaUser }).then((k) => tailnet.startVisitor({ name: 'ada-laptop', authKey: k.key })),
        tailnet.createPreAuthKey({ user: zoeUser }).then((k) => tailnet.startVisitor({ name: 'zoe-laptop', authKey: k.key })),
        tailnet
          .createPreAuthKey({ user: fleetUser, tags: ['tag:ci'] })
          .then((k) => tailnet.startVisitor({ name: 'ci-runner', authKey: k.key })),
      ]);
      ada = a;
      zoe = z;
      bot = b;
      // served = a visitor gets the app's /healthz through serve
      await waitFor(
        `${fqdn} to be served (visitor gets /healthz through serve)`,
        async () => (await visit(ada, '/healthz', [])).status === 200,
        180_000,
        500,
      ).catch(async (err) => {
        const logs = await exec('docker', ['logs', '--tail', '80', eventContainer]);
        throw new Error(`${String(err)}\n--- ${eventContainer}:\n${logs.stdout}${logs.stderr}`);
      });
      servedMs = Date.now() - started;
    });

    afterAll(async () => {
      await tailnet?.cleanup();
    });

    it('the event node registers with its pre-auth key under the product env and serves http on :443', async () => {
      const st = await event.status();
      expect(st.BackendState).toBe('Running');
      expect(st.TUN).toBe(true); // the product's /dev/net/tun + NET_ADMIN: kernel TUN, not userspace networking
      expect(st.Self?.DNSName).toBe(`${fqdn}.`);
      expect(st.CurrentTailnet?.MagicDNSEnabled).toBe(true);
      const serve = JSON.parse((await event.tailscale(['serve', 'status', '--json'])).stdout) as Record<string, unknown>;
      expect(serve).toEqual({
        TCP: { '443': { HTTP: true } },
        Web: { [`${fqdn}:443`]: { Handlers: { '/': { Proxy: 'http://localhost:5000' } } } },
      });
      const node = await tailnet.node(HOST);
      expect(node?.user?.name).toBe('fleet');
      process.stderr.write(`[real-tailnet] headscale ${version}: docker run → served in ${servedMs} ms\n`);
    });

    it("the readiness probe's NODE_STATUS_COMMAND (--peers=false) reads no peer list, but the same node state", async () => {
      const withPeers = JSON.parse((await event.tailscale(['status', '--json'])).stdout) as { Peer?: Record<string, unknown> | null };
      expect(Object.keys(withPeers.Peer ?? {}).length).toBeGreaterThanOrEqual(3); // ada, zoe, ci-runner
      const [, ...args] = NODE_STATUS_COMMAND;
      const text = (await event.tailscale([...args])).stdout;
      const without = JSON.parse(text) as { Peer?: Record<string, unknown> | null };
      expect(Object.keys(without.Peer ?? {})).toEqual([]);
      expect(parseNodeStatus(text)).toEqual(parseNodeStatus(JSON.stringify(withPeers)));
      expect(parseNodeStatus(text)).toMatchObject({ backendState: 'Running', dnsName: fqdn });
    });

    it('a user visitor is greeted by name: Tailscale-User-Login, -Name and -Profile-Pic from headscale', async () => {
      const who = JSON.parse((await visit(ada, '/whoami')).body) as WhoAmI;
      expect(who).toEqual({ identified: true, login: ADA.email, name: ADA.displayName, profilePic: ADA.pictureUrl, funnel: false });
      const page = await visit(ada, '/');
      expect(page.status).toBe(200);
      expect(page.body).toContain("Now we're friends, Ada Lovelace");
      expect(headerValue(page.body, 'Tailscale-User-Login')).toContain(ADA.email);
      expect(headerValue(page.body, 'Tailscale-User-Profile-Pic')).toContain(ADA.pictureUrl);
    });

    it('a non-ASCII display name arrives RFC 2047 Q-encoded and the app decodes it', async () => {
      const who = JSON.parse((await visit(zoe, '/whoami')).body) as WhoAmI;
      expect(who).toMatchObject({ identified: true, login: ZOE.email, name: ZOE.displayName, profilePic: ZOE.pictureUrl });
      const page = await visit(zoe, '/');
      const raw = headerValue(page.body, 'Tailscale-User-Name') ?? '';
      expect(raw).toContain('Zoë Ångström');
      expect(raw).toContain(`raw: <code>${ZOE_ENCODED}</code>`);
    });

    it("the visitor's own forged Tailscale-User-* headers are replaced by serve", async () => {
      const who = JSON.parse((await visit(ada, '/whoami', FORGED)).body) as WhoAmI;
      expect(who).toMatchObject({ identified: true, login: ADA.email, name: ADA.displayName, profilePic: ADA.pictureUrl });
      const page = await visit(ada, '/', FORGED);
      expect(page.body).not.toContain('mallory');
      expect(page.body).not.toContain('Mallory');
    });

    it('a tagged visitor gets no identity headers, forged or not', async () => {
      const st = await bot.status();
      expect(st.Self?.Tags).toEqual(['tag:ci']);
      const who = JSON.parse((await visit(bot, '/whoami', FORGED)).body) as WhoAmI;
      expect(who).toEqual({ identified: false, login: '', name: '', profilePic: null, funnel: false });
      const page = await visit(bot, '/', FORGED);
      expect(page.status).toBe(200);
      expect(page.body).not.toMatch(/Tailscale-User-/i);
      expect(page.body).toContain('Howdy, internet stranger');
    });

    it('the app is reached only through serve: a Host that is not the node name gets 404 from serve', async () => {
      const ip = await event.ipv4();
      const r = await ada.fetch(ip, 443, '/whoami');
      expect(r.status).toBe(404);
    });

    it('memory: the idle served event container and headscale (cgroup v1 usage, rss, page cache)', async () => {
      await sleep(5_000); // idle: nothing asked of it for a few seconds
      const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
      for (const [what, c] of [
        ['event container', eventContainer],
        ['headscale', tailnet.server],
      ] as const) {
        const m = await containerMemory(c);
        process.stderr.write(
          `[real-tailnet] headscale ${version}: memory of ${what}: usage ${mib(m.usage)} (rss ${mib(m.rss)}, cache ${mib(m.cache)})\n`,
        );
        expect(m.usage).toBeGreaterThan(0);
      }
    });

    it('a restart with the spent, expired single-use key still in TAILSCALE_AUTHKEY comes back as the same node (FINDINGS a)', async () => {
      const before = await tailnet.node(HOST);
      await tailnet.expirePreAuthKey(eventKey);
      // the key is still on the container's env: the docker-mod passes it to `tailscale up` on every start
      const env = JSON.parse(await docker(['inspect', '-f', '{{json .Config.Env}}', eventContainer])) as string[];
      expect(env).toContain(`TAILSCALE_AUTHKEY=${eventKey.key}`);
      await docker(['restart', eventContainer]);
      await waitFor(`${fqdn} served again after the restart`, async () => (await visit(ada, '/healthz')).status === 200, 120_000, 500);
      const st = await event.waitRunning();
      expect(st.Health ?? []).toEqual([]);
      const nodes = (await tailnet.nodes()).filter((n) => n.name === HOST || n.given_name.startsWith(HOST));
      expect(nodes.map((n) => n.id)).toEqual([before!.id]);
      expect((JSON.parse((await visit(zoe, '/whoami')).body) as WhoAmI).name).toBe(ZOE.displayName);
    });
  });

  describe(`userspace networking vs kernel TUN, headscale ${NEWEST} (FINDINGS f)`, () => {
    let tailnet: RealTailnet;
    let peer: TailnetNode;
    const nodes: Record<'userspace' | 'tun', { node: TailnetNode; ip: string; host: string }> = {} as never;

    beforeAll(async () => {
      tailnet = await RealTailnet.start({ version: NEWEST, name: 'tun' });
      const fleetUser = await tailnet.createUser({ name: 'fleet', email: 'fleet@example.com' });
      const adaUser = await tailnet.createUser(ADA);
      const peerKey = await tailnet.createPreAuthKey({ user: adaUser });
      peer = await tailnet.startVisitor({ name: 'ada-laptop', authKey: peerKey.key });
      for (const [mode, extra] of [
        ['userspace', []],
        ['tun', PRODUCT_DEVICE_ARGS],
      ] as const) {
        const key = await tailnet.createPreAuthKey({ user: fleetUser });
        const host = `${mode}${YEAR}`;
        const env = { ...productEnv(tailnet.serverUrl), TAILSCALE_HOSTNAME: host, TAILSCALE_AUTHKEY: key.key };
        const c = await tailnet.run(mode, APP_TAG, env, [...extra]);
        const node = new TailnetNode(c);
        await waitFor(
          `${host} served`,
          async () => (await peer.fetch(`${host}.${tailnet.baseDomain}`, 443, '/healthz')).status === 200,
          180_000,
          500,
        );
        nodes[mode] = { node, ip: await node.ipv4(), host };
      }
    });

    afterAll(async () => {
      await tailnet?.cleanup();
    });

    it('why the product renders /dev/net/tun: without it (userspace networking) a peer reaching <tailnet IP>:5000 directly gets to the app from loopback, forged headers believed', async () => {
      const { node, ip } = nodes.userspace;
      expect((await node.status()).TUN).toBe(false);
      const r = await peer.fetch(ip, 5000, '/whoami', { headers: FORGED });
      expect(r.status).toBe(200);
      // serve is bypassed: the app sees a loopback peer and believes the forged identity
      expect(JSON.parse(r.body) as WhoAmI).toMatchObject({ identified: true, login: 'mallory@evil.example', name: 'Mallory' });
    });

    it("with the product's /dev/net/tun and NET_ADMIN (kernel TUN) <tailnet IP>:5000 is refused; serve still works", async () => {
      const { node, ip, host } = nodes.tun;
      expect((await node.status()).TUN).toBe(true);
      const direct = await peer.ncExchange(ip, 5000, Buffer.from('GET /whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      expect(direct.code).not.toBe(0);
      expect(direct.stdout.length).toBe(0);
      expect(direct.stderr).toMatch(/connection was refused/);
      const served = JSON.parse((await peer.fetch(`${host}.${tailnet.baseDomain}`, 443, '/whoami', { headers: FORGED })).body) as WhoAmI;
      expect(served).toMatchObject({ identified: true, login: ADA.email, name: ADA.displayName });
    });
  });
});
