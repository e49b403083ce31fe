/**
 * The tailnet MODEL answers to the real thing (issue 23, step 4): every scenario both can run is run on
 * both, and what the PRODUCT reads from each must be the same.
 *
 * - model: the app image built the product's way on this checkout's model (test/fixtures/tailnet-model,
 *   built here as a run-private image: demo-fleet-test/base:tailnet is shared with other checkouts' runs),
 *   pointed at a login server as a headscale fleet is (the product's env with `loginServer`), with the
 *   model's switches for what that control server does (the valid key, the MagicDNS domain, no HTTPS
 *   certificates, no Funnel, its answer to the feature query);
 * - real: the same app image on demo-fleet-test/base:tailnet-real (real tailscale/tailscaled) against a
 *   real headscale (the newest of headscaleVersionsToRun()), test/helpers/real-tailnet.ts.
 *
 * Both containers of a scenario run at once, with the product's env (cli/render/service.ts
 * eventEnvironment), devices and the same MagicDNS domain and login server URL. What is compared is what
 * the product parses (cli/tailnet/node-state.ts): the fields of `tailscale status --json` parseNodeStatus
 * reads (of Health, the login-state lines), `tailscale serve status --json`, the exit code, stdout and
 * first stderr line of the commands the product or the docker-mod run, and judgeNode's verdict. Node IDs,
 * keys, IPs, times and the random part of a login URL are normalized; everything else must be equal. Each
 * scenario also checks the outcome the real side must have, so two equally wrong sides fail too.
 * MVR_DUMP=1 prints both sides of every scenario on stderr.
 */
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetSchema } from '../../cli/fleet/schema.js';
import {
  eventEnvironment,
  type ServeExpectation,
  runningServeExpectation,
  TUN_CAPABILITIES,
  TUN_DEVICE,
} from '../../cli/render/service.js';
import {
  judgeNode,
  NODE_STATUS_COMMAND,
  type NodeState,
  parseNodeStatus,
  parseServeStatus,
  reconfigureServeCommand,
  type TailnetOutcome,
} from '../../cli/tailnet/node-state.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { appBundle, exec, waitFor } from '../helpers/engine-fixture.js';
import {
  buildRealTailnetImages,
  EVENT_BASE_IMAGE,
  headscaleVersionsToRun,
  RealTailnet,
  TAILSCALE_VERSION,
  realTailnetReady,
} from '../helpers/real-tailnet.js';
import { requirement, runId } from '../helpers/requirements.js';

const ready = realTailnetReady();
const bundle = ready ? appBundle() : { ok: false };
const NEWEST = headscaleVersionsToRun().at(-1);
const versions = requirement('a headscale version to run (DEMO_FLEET_HEADSCALE_VERSIONS)', () =>
  NEWEST ? true : 'DEMO_FLEET_HEADSCALE_VERSIONS names none of scripts/tailnet-binaries.sh',
);

const MODEL_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'tailnet-model');
const BASE_FIXTURE = 'demo-fleet-test/base:fixture';
/**
 * This run's own build of the model: demo-fleet-test/base:tailnet is shared with other checkouts' test
 * runs, which rebuild it from their own model (build.sh) at any moment.
 */
const MODEL_BASE = `demo-fleet-test/mvr-model-base:${runId}`;
const APP = { model: `demo-fleet-test/mvr-model-app:${runId}`, real: `demo-fleet-test/mvr-real-app:${runId}` } as const;
const YEAR = 2026;
/** The product's /dev/net/tun and NET_ADMIN (cli/render/service.ts), as docker run arguments. */
const DEVICE_ARGS = [`--device=${TUN_DEVICE}`, ...TUN_CAPABILITIES.map((c) => `--cap-add=${c}`)];

type SideName = 'model' | 'real';

/** One side of the comparison: how it starts an event and plays the control server's part. */
interface Side {
  name: SideName;
  /** The event container (on the tailnet's network, removed by its cleanup). */
  start(event: string, env: Record<string, string>): Promise<string>;
  /** A key the control server accepts once. */
  validKey(): Promise<KeyEnv>;
  /** A key the control server refuses: expired. */
  expiredKey(): Promise<KeyEnv>;
  /** A key the control server refuses: single-use and used by another node already. */
  usedKey(): Promise<KeyEnv>;
  /** The control server expires the node's key (`headscale nodes expire`). */
  expireNode(container: string, host: string): Promise<void>;
}

/** A key and the env the side needs to know about it (the model's switches). */
interface KeyEnv {
  key: string;
  env: Record<string, string>;
}

/** `docker exec` a command; never throws. */
function run(container: string, cmd: string[], timeoutMs = 60_000) {
  return exec('docker', ['exec', container, ...cmd], { timeoutMs });
}

async function logs(container: string): Promise<string> {
  const r = await exec('sh', ['-c', `docker logs ${container} 2>&1`]);
  return r.stdout;
}

// ------------------------------------------------------------------------------------------------
// normalizing: what legitimately differs between two nodes (and two control servers)

const RFC3339 = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g;

/**
 * A login URL with the random part of its ID (the last path segment) replaced by its length: headscale's
 * is `hskey-authreq-` and 24 random characters. Its host is the same on both sides (one login server).
 */
function normalizeUrl(url: string): string {
  return url.replace(
    /\/(hskey-authreq-)?([A-Za-z0-9_-]{6,})$/,
    (_m, prefix: string | undefined, id: string) => `/${prefix ?? ''}<${id.length} random>`,
  );
}

function normalizeText(text: string, key?: string): string {
  let t = text.replace(RFC3339, '<time>').replace(/\bhttps?:\/\/[^\s"]+\/(?:register|a)\/[A-Za-z0-9_-]{6,}/g, (u) => normalizeUrl(u));
  t = t.replace(/\b100\.\d+\.\d+\.\d+\b/g, '<ip4>').replace(/\bfd7a:115c:a1e0:[0-9a-f:]+/g, '<ip6>');
  if (key) t = t.replaceAll(key, '<key>');
  return t;
}

/**
 * Health lines the product reads start with this (tailscale health/warnings.go LoginStateWarnable; the
 * error variant is what parseNodeStatus takes as the login error). The other lines are the machine's, not
 * the tailnet's: "Tailscale is starting. Please wait." for 5 s after a start (warmingUpWarnable), and with
 * kernel TUN in a container without IPv6 "deleting address fd7a:…/128 from tunnel interface: cannot
 * assign requested address" once an expired key empties the node's addresses. The model has neither.
 */
const LOGGED_OUT = 'You are logged out.';
const firstLine = (s: string) => s.split('\n').find((l) => l.trim() !== '') ?? '';

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function command(container: string, cmd: string[], key?: string): Promise<CommandResult> {
  const r = await run(container, cmd);
  return { code: r.code, stdout: normalizeText(r.stdout.trimEnd(), key), stderr: normalizeText(firstLine(r.stderr), key) };
}

/** What the product reads of one node: raw fields of the status, parsed states and the verdict. */
interface Reading {
  status: {
    BackendState: unknown;
    AuthURL: unknown;
    HaveNodeKey: unknown;
    DNSName: unknown;
    Online: unknown;
    Expired: unknown;
    KeyExpiry: unknown;
    /** The login-state lines of Health (tailscale health/warnings.go LoginStateWarnable), which the product reads. */
    Health: unknown;
    /** The capabilities judgeNode asks for. */
    caps: string[];
  };
  serve: unknown;
  node: Omit<NodeState, 'caps'> & { caps: string[] };
  judged: TailnetOutcome;
}

async function read(container: string, want: ServeExpectation): Promise<Reading> {
  // the product's probe (cli/converge/readiness.ts): NODE_STATUS_COMMAND, then `tailscale serve status --json`
  const st = await run(container, [...NODE_STATUS_COMMAND]);
  const sv = await run(container, ['tailscale', 'serve', 'status', '--json']);
  if (st.code !== 0 || !st.stdout.trim().startsWith('{'))
    throw new Error(`tailscale status --json in ${container} (${st.code}): ${st.stdout}${st.stderr}`);
  const raw = JSON.parse(st.stdout) as Record<string, unknown> & { Self?: Record<string, unknown> };
  const self = raw.Self ?? {};
  const node = parseNodeStatus(st.stdout);
  const serve = sv.code === 0 && sv.stdout.trim() ? parseServeStatus(sv.stdout) : null;
  const n = (v: unknown) => (typeof v === 'string' ? normalizeText(v) : v === undefined ? '<absent>' : v);
  return {
    status: {
      BackendState: raw.BackendState,
      AuthURL: n(raw.AuthURL),
      HaveNodeKey: n(raw.HaveNodeKey),
      DNSName: n(self.DNSName),
      Online: n(self.Online),
      Expired: n(self.Expired),
      KeyExpiry: n(self.KeyExpiry),
      Health: Array.isArray(raw.Health)
        ? raw.Health.map((h) => normalizeText(String(h))).filter((h) => h.startsWith(LOGGED_OUT))
        : n(raw.Health),
      caps: [...node.caps].filter((c) => c === 'https' || c === 'funnel').sort(),
    },
    serve: sv.code === 0 ? JSON.parse(sv.stdout) : { code: sv.code, stderr: firstLine(sv.stderr) },
    node: JSON.parse(
      normalizeText(JSON.stringify({ ...node, caps: [...node.caps].filter((c) => c === 'https' || c === 'funnel').sort() })),
    ),
    judged: JSON.parse(normalizeText(JSON.stringify(judgeNode(node, serve, want)))),
  };
}

/**
 * POST the serve config to tailscaled's LocalAPI from inside the container (Node is there for the app),
 * as the tailscale CLI does (client/local: Host local-tailscaled.sock); the HTTP status.
 */
async function setServeConfig(container: string, config: unknown): Promise<string> {
  const script = [
    // the CLI's socket (tailscale paths/paths.go DefaultTailscaledSocket): relative to the working directory
    // when /var/run is missing, as in the base fixture
    "const socketPath = require('node:fs').existsSync('/var/run') ? '/var/run/tailscale/tailscaled.sock' : 'tailscaled.sock';",
    "const req = require('node:http').request(",
    "  { socketPath, method: 'POST', path: '/localapi/v0/serve-config',",
    "    headers: { Host: 'local-tailscaled.sock', 'Content-Type': 'application/json' } },",
    "  (res) => { res.resume(); res.on('end', () => console.log(res.statusCode)); });",
    'req.end(process.argv[1]);',
  ].join('\n');
  const r = await run(container, ['node', '-e', script, JSON.stringify(config)]);
  if (r.code !== 0) throw new Error(`LocalAPI serve-config in ${container} (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

// ------------------------------------------------------------------------------------------------

describe.skipIf(!ready || !bundle.ok || !versions.ok)(`the tailnet model vs tailscale ${TAILSCALE_VERSION} on headscale ${NEWEST}`, () => {
  let tailnet: RealTailnet;
  let ctx = '';
  let fleetUserId = '';
  const sides = {} as Record<SideName, Side>;

  /** The product's env for `event` on this tailnet (a fleet with loginServer: SERVE_MODE=http). */
  function productEnv(event: string): Record<string, string> {
    const fleet = FleetSchema.parse({ name: 'mvr', year: YEAR, loginServer: tailnet.serverUrl, events: { [event]: {} } });
    return Object.fromEntries(eventEnvironment(fleet, event, fleet.events[event]!));
  }
  function want(env: Record<string, string>): ServeExpectation {
    const w = runningServeExpectation(Object.entries(env));
    if (!w) throw new Error('the product env has no serve expectation');
    return w;
  }

  beforeAll(async () => {
    await buildRealTailnetImages(); // and the base fixture under both (test/fixtures/base-image/build.sh)
    const m = await exec('docker', ['build', '-q', '--build-arg', `BASE_IMAGE=${BASE_FIXTURE}`, '-t', MODEL_BASE, MODEL_DIR], {
      timeoutMs: 300_000,
    });
    if (m.code !== 0) throw new Error(`docker build of the model (${MODEL_DIR}) failed: ${m.stderr}`);
    ctx = await mkdtemp(path.join(tmpdir(), 'demo-fleet-mvr-'));
    await cp(path.join(REPO_ROOT, 'templates', 'Dockerfile'), path.join(ctx, 'Dockerfile'));
    await cp(path.join(REPO_ROOT, 'templates', 's6'), path.join(ctx, 's6'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'dist', 'image'), path.join(ctx, 'app'), { recursive: true });
    for (const [side, base] of [
      ['model', MODEL_BASE],
      ['real', EVENT_BASE_IMAGE],
    ] as const) {
      const b = await exec('docker', ['build', '-q', '--build-arg', `BASE_IMAGE=${base}`, '-t', APP[side], ctx], { timeoutMs: 300_000 });
      if (b.code !== 0) throw new Error(`docker build of the app on ${base} failed: ${b.stderr}`);
    }
    // the model under test is this checkout's
    const lib = path.join(MODEL_DIR, 'rootfs', 'tailnet-model', 'lib', 'tailscaled.cjs');
    const inImage = await exec('docker', ['run', '--rm', '--entrypoint', 'cat', APP.model, '/tailnet-model/lib/tailscaled.cjs']);
    if (inImage.stdout !== readFileSync(lib, 'utf8')) throw new Error(`${APP.model} does not hold ${lib}`);

    tailnet = await RealTailnet.start({ version: NEWEST!, name: `mvr${runId.slice(-4)}` });
    const fleetUser = await tailnet.createUser({ name: 'fleet', email: 'fleet@example.com', displayName: 'Demo Fleet' });
    fleetUserId = fleetUser.id;
    let modelKeys = 0;
    let spenders = 0;
    sides.model = {
      name: 'model',
      start: (event, env) =>
        tailnet.run(
          `model-${event}`,
          APP.model,
          {
            ...env,
            // the model's control server, told what headscale does (test/fixtures/tailnet-model/README.md)
            TAILNET_MODEL_MAGICDNS_SUFFIX: tailnet.baseDomain,
            TAILNET_MODEL_HTTPS: '0',
            TAILNET_MODEL_FUNNEL: '0',
            // headscale's answer to the feature query: 501 from 0.29 on, no such route before
            TAILNET_MODEL_FEATURE_PROMPT: tailnet.minor >= 29 ? 'not-implemented' : 'unsupported',
          },
          DEVICE_ARGS,
        ),
      validKey: async () => {
        const key = `model-key-${runId}-${++modelKeys}`;
        return { key, env: { TAILNET_MODEL_AUTHKEYS: key } };
      },
      expiredKey: async () => {
        const key = `model-key-${runId}-${++modelKeys}`;
        return { key, env: { TAILNET_MODEL_AUTHKEYS: `some-other-${key}`, TAILNET_MODEL_EXPIRED_KEYS: key } };
      },
      usedKey: async () => {
        const key = `model-key-${runId}-${++modelKeys}`;
        return { key, env: { TAILNET_MODEL_AUTHKEYS: `some-other-${key}`, TAILNET_MODEL_USED_KEYS: key } };
      },
      expireNode: async (container) => {
        const r = await run(container, ['tailscale-fixture', 'expire']);
        if (r.code !== 0) throw new Error(`tailscale-fixture expire in ${container} (${r.code}): ${r.stderr}`);
      },
    };
    sides.real = {
      name: 'real',
      start: (event, env) => tailnet.run(`real-${event}`, APP.real, env, DEVICE_ARGS),
      validKey: async () => {
        const k = await tailnet.createPreAuthKey({ user: { id: fleetUserId, name: 'fleet' } });
        return { key: k.key, env: {} };
      },
      expiredKey: async () => {
        const k = await tailnet.createPreAuthKey({ user: { id: fleetUserId, name: 'fleet' } });
        await tailnet.expirePreAuthKey(k);
        return { key: k.key, env: {} };
      },
      usedKey: async () => {
        const k = await tailnet.createPreAuthKey({ user: { id: fleetUserId, name: 'fleet' } });
        await tailnet.startVisitor({ name: `spender${++spenders}`, authKey: k.key });
        return { key: k.key, env: {} };
      },
      expireNode: async (_container, host) => {
        const node = await tailnet.node(host);
        if (!node) throw new Error(`headscale has no node ${host}`);
        await tailnet.expireNode(node.id);
      },
    };
  });

  afterAll(async () => {
    await tailnet?.cleanup();
    for (const tag of [...Object.values(APP), MODEL_BASE]) await exec('docker', ['image', 'rm', '-f', tag]);
    if (ctx) await rm(ctx, { recursive: true, force: true });
  });

  /** Run `scenario` on both sides at once; returns { model, real }. Failures carry both logs. */
  async function both<T>(scenario: (side: Side) => Promise<T>): Promise<Record<SideName, T>> {
    const [model, real] = await Promise.all([scenario(sides.model), scenario(sides.real)]);
    return { model, real };
  }

  async function startEvent(side: Side, event: string, key: KeyEnv | null): Promise<{ container: string; env: Record<string, string> }> {
    const env = productEnv(event);
    const container = await side.start(event, { ...env, ...(key ? { TAILSCALE_AUTHKEY: key.key, ...key.env } : {}) });
    return { container, env };
  }

  async function until<T>(side: Side, container: string, what: string, fn: () => Promise<T | undefined | false>): Promise<T> {
    return waitFor(`${side.name}: ${what}`, fn, 120_000, 500).catch(async (err) => {
      throw new Error(`${String(err)}\n--- ${container}:\n${(await logs(container)).slice(-6000)}`);
    });
  }

  /** The flags the docker-mod gives `tailscale up` for this env (its svc-tailscale-up, see the model's docker-mod). */
  function modUp(env: Record<string, string>): string[] {
    const args = ['tailscale', 'up'];
    if (env.TAILSCALE_AUTHKEY !== undefined) args.push(`--authkey=${env.TAILSCALE_AUTHKEY}`);
    args.push(`--hostname=${env.TAILSCALE_HOSTNAME}`, `--ssh=${env.TAILSCALE_USE_SSH}`);
    if (env.TAILSCALE_LOGIN_SERVER !== undefined) args.push(`--login-server=${env.TAILSCALE_LOGIN_SERVER}`);
    return args;
  }
  /** The docker-mod's serve command for this env. */
  function modServe(env: Record<string, string>): string[] {
    return ['tailscale', 'serve', '--bg', `--${env.TAILSCALE_SERVE_MODE}=443`, `http://localhost:${env.TAILSCALE_SERVE_PORT}`];
  }

  async function served(side: Side, e: { container: string; env: Record<string, string> }): Promise<void> {
    await until(side, e.container, 'served', async () => (await read(e.container, want(e.env))).judged.kind === 'served');
  }

  /** The mod's oneshot svc-tailscale-up is over (it failed or not): the model's /init says so. */
  async function startFinished(side: Side, container: string): Promise<void> {
    await until(side, container, 'the start chain to finish', async () => (await logs(container)).includes('init chain finished'));
  }

  const dump = (what: string, v: unknown) => {
    if (process.env.MVR_DUMP) process.stderr.write(`[model-vs-real] ${what}: ${JSON.stringify(v, null, 2)}\n`);
  };

  it('1. no auth key: waiting for a login, AuthURL present, judged "login"', async () => {
    const r = await both(async (side) => {
      const e = await startEvent(side, 'login', null);
      await until(side, e.container, 'a login URL in the log', async () => /To authenticate, visit:/.test(await logs(e.container)));
      const printed = /To authenticate, visit:\n\n\t(\S+)\n/.exec(await logs(e.container))?.[1] ?? '<none>';
      return { printed: normalizeUrl(printed), reading: await read(e.container, want(e.env)) };
    });
    dump('1', r);
    expect(r.real.reading.judged).toMatchObject({ kind: 'login', url: `${tailnet.serverUrl}/register/hskey-authreq-<24 random>` });
    expect(r.model).toEqual(r.real);
  });

  it('2. a valid single-use key: Running, serve http on :443, judged served at http://<host>.<domain>:443', async () => {
    const r = await both(async (side) => {
      const key = await side.validKey();
      const e = await startEvent(side, 'served', key);
      await served(side, e);
      const reading = await read(e.container, want(e.env));
      // the mod's serve command again, as on every start with a saved node
      const again = await command(e.container, modServe(e.env), key.key);
      return { reading, again };
    });
    dump('2', r);
    expect(r.real.reading.judged).toEqual({ kind: 'served', url: `http://served${YEAR}.${tailnet.baseDomain}:443`, funnel: false });
    expect(r.model).toEqual(r.real);
  });

  for (const kind of ['expired', 'used'] as const) {
    it(`3${kind === 'expired' ? 'a' : 'b'}. a refused key (${kind === 'expired' ? 'expired' : 'already used'}): logged out, Health names the login error, judged attention with it; up and serve fail alike`, async () => {
      const r = await both(async (side) => {
        const key = kind === 'expired' ? await side.expiredKey() : await side.usedKey();
        const e = await startEvent(side, `refused${kind}`, key);
        await startFinished(side, e.container);
        await until(
          side,
          e.container,
          'a login error in Health',
          async () => (await read(e.container, want(e.env))).node.loginError !== null,
        );
        const reading = await read(e.container, want(e.env));
        const env = { ...e.env, TAILSCALE_AUTHKEY: key.key };
        return {
          reading,
          up: await command(e.container, modUp(env), key.key),
          serve: await command(e.container, modServe(env), key.key),
        };
      });
      dump(`3 ${kind}`, r);
      const error = kind === 'expired' ? 'authkey expired' : 'authkey already used';
      expect(r.real.reading.judged).toMatchObject({ kind: 'attention', message: expect.stringContaining(`(${error})`) });
      expect(r.real.up).toMatchObject({ code: 1, stderr: `backend error: ${error}` });
      expect(r.model).toEqual(r.real);
    });
  }

  it('4. `tailscale serve reset` on a served node: exit 0, then an empty serve config, judged pending', async () => {
    const r = await both(async (side) => {
      const key = await side.validKey();
      const e = await startEvent(side, 'reset', key);
      await served(side, e);
      const reset = await command(e.container, ['tailscale', 'serve', 'reset'], key.key);
      return { reset, reading: await read(e.container, want(e.env)) };
    });
    dump('4', r);
    expect(r.real.reset.code).toBe(0);
    expect(r.real.reading.serve).toEqual({});
    expect(r.real.reading.judged).toEqual({ kind: 'pending', why: 'configuring serve' });
    expect(r.model).toEqual(r.real);
  });

  it('5. a saved serve config of another mode: the next `tailscale serve` in the other mode fails with the same message', async () => {
    const r = await both(async (side) => {
      const key = await side.validKey();
      const e = await startEvent(side, 'othermode', key);
      await served(side, e);
      const tcpOverHttp = await command(e.container, ['tailscale', 'serve', '--bg', '--tcp=443', 'tcp://localhost:5000'], key.key);
      const reset = await command(e.container, ['tailscale', 'serve', 'reset'], key.key);
      const tcp = await command(e.container, ['tailscale', 'serve', '--bg', '--tcp=443', 'tcp://localhost:5000'], key.key);
      const httpOverTcp = await command(e.container, modServe(e.env), key.key);
      return { tcpOverHttp, reset, tcp, httpOverTcp, reading: await read(e.container, want(e.env)) };
    });
    dump('5', r);
    expect(r.real.tcpOverHttp.code).toBe(1);
    expect(r.real.httpOverTcp.code).toBe(1);
    expect(r.real.reading.serve).toMatchObject({ TCP: { '443': { TCPForward: expect.any(String) } } });
    expect(r.model).toEqual(r.real);
  });

  it("5b. an HTTPS serve config saved (an event re-created after a serve-mode change): the mod's `tailscale serve --http=443` is refused by tailscaled with the same message", async () => {
    const r = await both(async (side) => {
      const key = await side.validKey();
      const e = await startEvent(side, 'httpsaved', key);
      await served(side, e);
      const reset = await command(e.container, ['tailscale', 'serve', 'reset'], key.key);
      // headscale issues no certificates, so `tailscale serve --https` cannot save this config: it is
      // written through the LocalAPI, as an earlier container on the same state dir left it
      const dns = `httpsaved${YEAR}.${tailnet.baseDomain}`;
      const saved = await setServeConfig(e.container, {
        TCP: { '443': { HTTPS: true } },
        Web: { [`${dns}:443`]: { Handlers: { '/': { Proxy: 'http://localhost:5000' } } } },
      });
      const http = await command(e.container, modServe(e.env), key.key);
      const reading = await read(e.container, want(e.env));
      // what `up` then runs once (readiness.ts): serve reset + the mod's serve, for the node's current name
      const reconfigured = await command(e.container, reconfigureServeCommand(want(e.env)), key.key);
      return { reset, saved, http, reading, reconfigured, after: await read(e.container, want(e.env)) };
    });
    dump('5b', r);
    expect(r.real.saved).toBe('200');
    expect(r.real.http).toEqual({
      code: 1,
      stdout: '',
      stderr: 'sending serve config: updating config: want to serve "http", but port 443 is already serving "https"',
    });
    expect(r.real.reading.judged).toEqual({ kind: 'pending', why: 'configuring serve (saved as https, not http)', reconfigure: true });
    expect(r.real.reconfigured.code).toBe(0);
    expect(r.real.after.judged).toMatchObject({ kind: 'served', url: `http://httpsaved${YEAR}.${tailnet.baseDomain}:443` });
    expect(r.model).toEqual(r.real);
  });

  it('6. the node key expired (headscale nodes expire): NeedsLogin + Expired, judged attention', async () => {
    const r = await both(async (side) => {
      const key = await side.validKey();
      const e = await startEvent(side, 'expiry', key);
      await served(side, e);
      await side.expireNode(e.container, `expiry${YEAR}`);
      await until(side, e.container, 'NeedsLogin after the expiry', async () => (await read(e.container, want(e.env))).node.keyExpired);
      return { reading: await read(e.container, want(e.env)) };
    });
    dump('6', r);
    expect(r.real.reading.judged).toMatchObject({ kind: 'attention', message: expect.stringMatching(/^node key expired at <time>: /) });
    expect(r.model).toEqual(r.real);
  });

  it('7. `tailscale serve --https=443` where the control server issues no certificates (headscale): refused with the same message, nothing changed', async () => {
    const r = await both(async (side) => {
      const key = await side.validKey();
      const e = await startEvent(side, 'nocerts', key);
      await served(side, e);
      const https = await command(e.container, ['tailscale', 'serve', '--bg', '--https=443', 'http://localhost:5000'], key.key);
      return { https, reading: await read(e.container, want(e.env)) };
    });
    dump('7', r);
    expect(r.real.https.code).toBe(1);
    expect(r.real.https.stderr).toMatch(/^error enabling https feature: /);
    expect(r.real.reading.judged).toMatchObject({ kind: 'served' });
    expect(r.model).toEqual(r.real);
  });
});
