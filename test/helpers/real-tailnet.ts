/**
 * A REAL tailnet on this machine, for integration tests: the real headscale (a version the caller
 * picks) and real tailscaled/tailscale nodes, all in containers on a Docker network of the run's own
 * (`--internal`: nothing can leave the machine). Images: test/fixtures/real-tailnet/build.sh (see the
 * README there); binaries: scripts/tailnet-binaries.sh (cached; its version lines are the source of
 * truth for TAILSCALE_VERSION / HEADSCALE_VERSIONS below).
 *
 *   const tailnet = await RealTailnet.start({ version: 'v0.29.3' });   // afterAll: tailnet.cleanup()
 *   const ada = await tailnet.createUser({ name: 'ada', email: 'ada@example.com', displayName: 'Ada' });
 *   const key = await tailnet.createPreAuthKey({ user: ada });
 *   const visitor = await tailnet.startVisitor({ name: 'ada-laptop', authKey: key.key });
 *   const res = await visitor.fetch(`${host}.${tailnet.baseDomain}`, 443, '/whoami');
 *
 * - headscale: embedded DERP (served over plain http: every tailscaled gets TS_DEBUG_USE_DERP_HTTP=1,
 *   see TAILSCALED_ENV), MagicDNS on with a base domain distinct from the server's host name, sqlite,
 *   the config written by this helper into a temp dir mounted at /etc/headscale (headscale's default
 *   config path, so `docker exec <hs> headscale …` needs no -c).
 * - Version differences the helper hides: pre-auth keys are expired by `--user <id> expire <key>` in
 *   0.26 and by `expire --id <id>` from 0.28 (headscale CHANGELOG 0.28.0, "PreAuthKey CLI").
 * - Every name (network, containers) carries `runId`; `cleanup()` removes exactly what this object made
 *   (and containers a test made through `name()`), pass or fail.
 * - Requirement: `tailnetBinaries()` (skips loudly without the cached binaries; fails under CI=true).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { docker, type ExecResult, exec, REPO_ROOT, sleep, waitFor } from './engine-fixture.js';
import { dockerEngine, type Requirement, requirement, runId } from './requirements.js';

const BIN_SCRIPT = path.join(REPO_ROOT, 'scripts', 'tailnet-binaries.sh');
export const REAL_TAILNET_BUILD_SH = path.join(REPO_ROOT, 'test', 'fixtures', 'real-tailnet', 'build.sh');

function scriptVar(name: string): string {
  const text = readFileSync(BIN_SCRIPT, 'utf8');
  const m = new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(text);
  if (!m) throw new Error(`${BIN_SCRIPT} has no ${name}= line`);
  return m[1]!.trim();
}

/** The tailscale version of the binaries (scripts/tailnet-binaries.sh), e.g. "v1.102.5". */
export const TAILSCALE_VERSION = scriptVar('TAILSCALE_VERSION');
/** The headscale versions built by scripts/tailnet-binaries.sh, oldest first. */
export const HEADSCALE_VERSIONS: readonly string[] = scriptVar('HEADSCALE_VERSIONS').split(/\s+/).filter(Boolean);

/** The image tags test/fixtures/real-tailnet/build.sh makes. */
export const EVENT_BASE_IMAGE = 'demo-fleet-test/base:tailnet-real';
export const VISITOR_IMAGE = 'demo-fleet-test/tailnet-visitor:real';
export function headscaleImage(version: string): string {
  return `demo-fleet-test/headscale:${version}`;
}

/** Env every tailscaled of these tests needs: DERP over plain http, no log uploads. */
export const TAILSCALED_ENV: Readonly<Record<string, string>> = {
  TS_DEBUG_USE_DERP_HTTP: '1',
  TS_NO_LOGS_NO_SUPPORT: 'true',
};

/** Cache directory of the binaries (`scripts/tailnet-binaries.sh --print`, computed the same way). */
export function binariesDir(): string {
  return (
    process.env.DEMO_FLEET_TAILNET_BIN ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/root', '.cache'), 'demo-fleet', 'tailnet-bin')
  );
}

function missingBinaries(): string[] {
  const dir = binariesDir();
  const want = [
    `tailscale-${TAILSCALE_VERSION}/tailscale`,
    `tailscale-${TAILSCALE_VERSION}/tailscaled`,
    ...HEADSCALE_VERSIONS.map((v) => `headscale-${v}/headscale`),
  ];
  return want.filter((f) => !existsSync(path.join(dir, f)));
}

/** The cached real binaries; missing → a loud skip (a failure under CI=true). */
export function tailnetBinaries(): Requirement {
  return requirement('tailnet binaries (tailscale/tailscaled/headscale)', () => {
    const missing = missingBinaries();
    if (!missing.length) return true;
    return `not in ${binariesDir()}: ${missing.join(', ')}; run \`bash scripts/tailnet-binaries.sh\` (needs Go and the Go module proxy)`;
  });
}

/** Kernel TUN for a container: the host's /dev/net/tun (the product renders it for every event). */
export function tunDevice(): Requirement {
  return requirement('/dev/net/tun on the host (kernel TUN in a container)', () =>
    existsSync('/dev/net/tun') ? true : '/dev/net/tun does not exist',
  );
}

/**
 * What every real-tailnet test needs: the Docker engine, the real binaries and a TUN device, asked in that
 * order (the first missing one is reported, loudly; the next is not asked).
 */
export function realTailnetReady(): boolean {
  return dockerEngine().ok && tailnetBinaries().ok && tunDevice().ok;
}

/** The headscale versions to run: all of the binaries script's, or those DEMO_FLEET_HEADSCALE_VERSIONS names. */
export function headscaleVersionsToRun(): string[] {
  const asked = process.env.DEMO_FLEET_HEADSCALE_VERSIONS?.split(/[\s,]+/).filter(Boolean);
  return (asked ?? [...HEADSCALE_VERSIONS]).filter((v) => HEADSCALE_VERSIONS.includes(v));
}

let imagesBuilt: Promise<void> | undefined;

/** build.sh: every real-tailnet image (skips the ones whose inputs did not change). */
export function buildRealTailnetImages(): Promise<void> {
  imagesBuilt ??= exec('bash', [REAL_TAILNET_BUILD_SH], { timeoutMs: 900_000 }).then((r) => {
    if (r.code !== 0) throw new Error(`${REAL_TAILNET_BUILD_SH} failed (${r.code}): ${r.stderr.trim()}`);
  });
  return imagesBuilt;
}

// ---------------------------------------------------------------------------------------------
// headscale shapes (the fields the tests use; names as in headscale's JSON output)

/**
 * The headscale config of these tests (our own, from the documented keys of 0.26–0.29; see the fixture
 * README), for a server reached at `serverUrl`. Every path is inside the container; the DERP region is
 * the embedded one, nothing else. Also used by the swarm tests, whose headscale runs on a swarm node.
 */
export function headscaleConfig(o: { version: string; serverUrl: string; baseDomain: string }): string {
  return `# demo-fleet test (real-tailnet helper): headscale ${o.version}
server_url: ${o.serverUrl}
listen_addr: 0.0.0.0:8080
metrics_listen_addr: 127.0.0.1:9090
grpc_listen_addr: 127.0.0.1:50443
grpc_allow_insecure: false
noise:
  private_key_path: /var/lib/headscale/noise_private.key
prefixes:
  v4: 100.64.0.0/10
  v6: fd7a:115c:a1e0::/48
  allocation: sequential
derp:
  server:
    enabled: true
    region_id: 900
    region_code: demofleet
    region_name: demo-fleet test region
    stun_listen_addr: 0.0.0.0:3478
    private_key_path: /var/lib/headscale/derp_server_private.key
    automatically_add_embedded_derp_region: true
  urls: []
  paths: []
  auto_update_enabled: false
  update_frequency: 24h
disable_check_updates: true
database:
  type: sqlite
  sqlite:
    path: /var/lib/headscale/db.sqlite
    write_ahead_log: true
unix_socket: /var/lib/headscale/headscale.sock
unix_socket_permission: "0770"
log:
  level: info
  format: text
dns:
  magic_dns: true
  base_domain: ${o.baseDomain}
  override_local_dns: false
  nameservers:
    global: []
logtail:
  enabled: false
`;
}

export interface HeadscaleUser {
  id: string;
  name: string;
  email?: string;
  display_name?: string;
  profile_pic_url?: string;
}

export interface PreAuthKey {
  /** The secret (`hskey-auth-…` from 0.28, 48 hex before). */
  key: string;
  id: string;
  /** The user it was made for (0.26 needs one; from 0.28 a tags-only key has none). */
  userId?: string;
  tags: string[];
}

export interface HeadscaleNode {
  id: string;
  name: string;
  given_name: string;
  user?: HeadscaleUser;
  ip_addresses: string[];
  online?: boolean;
  expiry?: { seconds?: string | number };
  tags?: string[];
  forced_tags?: string[];
  valid_tags?: string[];
}

/** `tailscale status --json` (ipnstate.Status): the fields the tests read. */
export interface TailscaleStatus {
  Version: string;
  BackendState: string;
  AuthURL: string;
  TUN: boolean;
  HaveNodeKey?: boolean;
  TailscaleIPs: string[] | null;
  Self: {
    ID: string;
    HostName: string;
    DNSName: string;
    Online: boolean;
    TailscaleIPs: string[] | null;
    Tags?: string[];
    KeyExpiry?: string;
    Expired?: boolean;
    UserID: number;
  } | null;
  Health: string[] | null;
  MagicDNSSuffix: string;
  CurrentTailnet: { Name: string; MagicDNSSuffix: string; MagicDNSEnabled: boolean } | null;
  Peer: Record<string, { HostName: string; DNSName: string; TailscaleIPs: string[]; Online: boolean; Tags?: string[] }> | null;
  User: Record<string, { ID: number; LoginName: string; DisplayName: string; ProfilePicURL: string }> | null;
}

export interface HttpResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** Everything `tailscale nc` printed (the raw response) and its stderr, for failure messages. */
  raw: string;
  stderr: string;
}

// ---------------------------------------------------------------------------------------------
// nodes

/** A container running a real tailscaled (a visitor, or an event container on the real base). */
export class TailnetNode {
  constructor(readonly container: string) {}

  /** `docker exec <container> tailscale …` (never throws; look at `code`). */
  tailscale(args: string[], timeoutMs = 60_000): Promise<ExecResult> {
    return exec('docker', ['exec', this.container, 'tailscale', ...args], { timeoutMs });
  }

  async status(): Promise<TailscaleStatus> {
    const r = await this.tailscale(['status', '--json'], 30_000);
    if (!r.stdout.trim().startsWith('{'))
      throw new Error(`tailscale status --json in ${this.container} (${r.code}): ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout) as TailscaleStatus;
  }

  /** Until BackendState is Running and the node has a tailnet IP. */
  async waitRunning(timeoutMs = 90_000): Promise<TailscaleStatus> {
    return waitFor(
      `${this.container} to be Running`,
      async () => {
        const st = await this.status();
        return st.BackendState === 'Running' && st.Self?.TailscaleIPs?.length ? st : undefined;
      },
      timeoutMs,
      500,
    );
  }

  async ipv4(): Promise<string> {
    const st = await this.status();
    const ip = st.Self?.TailscaleIPs?.find((a) => a.includes('.'));
    if (!ip) throw new Error(`${this.container} has no tailnet IPv4 (BackendState ${st.BackendState})`);
    return ip;
  }

  /**
   * One HTTP/1.1 request over the tailnet, made by this node: `tailscale nc <host> <port>` with a
   * hand-written request on its stdin. stdin stays open until the server closes the connection
   * (`Connection: close`): nc exits as soon as either direction ends (cmd/tailscale/cli/nc.go).
   */
  async fetch(
    host: string,
    port: number,
    requestPath = '/',
    options: { headers?: Array<[string, string]>; hostHeader?: string; timeoutMs?: number } = {},
  ): Promise<HttpResponse> {
    const lines = [
      `GET ${requestPath} HTTP/1.1`,
      `Host: ${options.hostHeader ?? host}`,
      'User-Agent: demo-fleet-real-tailnet-test',
      'Accept: */*',
      ...(options.headers ?? []).map(([k, v]) => `${k}: ${v}`),
      'Connection: close',
      '',
      '',
    ];
    const { stdout, stderr, code } = await this.ncExchange(host, port, Buffer.from(lines.join('\r\n'), 'utf8'), options.timeoutMs);
    const raw = stdout.toString('latin1');
    const head = raw.indexOf('\r\n\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
    if (head < 0 || !m) {
      throw new Error(
        `no HTTP response from ${host}:${port} via ${this.container} (nc exit ${code}): ${JSON.stringify(raw.slice(0, 300))} ${stderr}`,
      );
    }
    const headers: Record<string, string> = {};
    for (const line of raw.slice(0, head).split('\r\n').slice(1)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    }
    let bodyBytes = stdout.subarray(Buffer.byteLength(raw.slice(0, head + 4), 'latin1'));
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) bodyBytes = dechunk(bodyBytes);
    return { status: Number(m[1]), headers, body: bodyBytes.toString('utf8'), raw, stderr };
  }

  /** Connect with `tailscale nc`, send `input`, collect what comes back until the peer closes. */
  ncExchange(
    host: string,
    port: number,
    input: Buffer,
    timeoutMs = 30_000,
  ): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
    return new Promise((resolve, reject) => {
      const child = spawn('docker', ['exec', '-i', this.container, 'tailscale', 'nc', host, String(port)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const timer = setTimeout(() => {
        err += `\n(timed out after ${timeoutMs} ms)`;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out), stderr: err, code });
      });
      child.stdin.on('error', () => {}); // nc may exit before we end stdin
      child.stdin.write(input); // and no end(): see fetch()
      child.on('exit', () => child.stdin.destroy());
    });
  }
}

function dechunk(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// the tailnet

export interface StartOptions {
  /** A headscale version of HEADSCALE_VERSIONS, e.g. "v0.29.3". */
  version: string;
  /** Part of every name this tailnet makes (default: a counter). */
  name?: string;
  /**
   * headscale's config text instead of `config()`; called once the server's IP (serverUrl) and the
   * network's gateway are known, before headscale starts (e.g. start an OpenID provider there first).
   */
  config?: (tailnet: RealTailnet) => string | Promise<string>;
  /** Extra env of the headscale container (e.g. the OIDC client secret), never in the config file. */
  env?: Record<string, string>;
}

let tailnetCounter = 0;

/**
 * `docker run -d` a visitor container (real tailscaled, not logged in) named `container` with the extra
 * `docker run` arguments (its network and label), resolved once its LocalAPI answers. Whoever calls it
 * removes the container.
 */
export async function runVisitor(container: string, runArgs: string[]): Promise<TailnetNode> {
  const env = Object.entries(TAILSCALED_ENV).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await docker(['run', '-d', '--name', container, ...runArgs, ...env, VISITOR_IMAGE]);
  const node = new TailnetNode(container);
  // the daemon's socket appears a moment after the start
  await waitFor(`${container}'s tailscaled to answer`, async () => (await node.tailscale(['version'], 10_000)).code === 0, 30_000, 250);
  await waitFor(
    `${container}'s LocalAPI`,
    async () => /^\{/.test((await node.tailscale(['status', '--json'], 10_000)).stdout.trim()),
    30_000,
    250,
  );
  return node;
}

export class RealTailnet {
  /** `demo-fleet-rt-<runId>-<name>`: the network's name and every container's prefix. */
  readonly prefix: string;
  readonly network: string;
  /** The headscale container. */
  readonly server: string;
  /**
   * `http://<headscale's IP>:8080`, the login server. An IP, not the container name: for an http URL
   * with a port and a host NAME, tailscale 1.102 also tries https on :443 and, after a restart with
   * state, dials only that (control/ts2021/client.go "isPrivateHost", controlhttp "forcing port 443
   * dial due to recent noise dial"): the node stays logged out. See FINDINGS.md.
   */
  serverUrl = '';
  /** MagicDNS base domain: a node is `<given name>.<baseDomain>`. */
  readonly baseDomain: string;
  /** Label on everything made here (`dev.demo-fleet.test=<prefix>`). */
  readonly label: string;
  private readonly made: string[] = [];
  private dir = '';

  private constructor(
    readonly version: string,
    name: string,
    private readonly options: StartOptions = { version },
  ) {
    this.prefix = `demo-fleet-rt-${runId}-${name}`;
    this.network = this.prefix;
    this.server = `${this.prefix}-hs`;
    this.baseDomain = `${name}.tailnet.test`;
    this.label = `dev.demo-fleet.test=${this.prefix}`;
  }

  /** Network + headscale, serving (its /health answers) — call `cleanup()` in afterAll. */
  static async start(options: StartOptions): Promise<RealTailnet> {
    if (!HEADSCALE_VERSIONS.includes(options.version)) {
      throw new Error(`headscale ${options.version} is not one of ${HEADSCALE_VERSIONS.join(', ')} (scripts/tailnet-binaries.sh)`);
    }
    const t = new RealTailnet(options.version, options.name ?? `t${++tailnetCounter}`, options);
    try {
      await t.up();
    } catch (err) {
      const logs = await exec('docker', ['logs', '--tail', '60', t.server]);
      await t.cleanup();
      throw new Error(`${String(err)}\n--- headscale ${t.version} log:\n${logs.stdout}${logs.stderr}`);
    }
    return t;
  }

  private async up(): Promise<void> {
    await buildRealTailnetImages();
    this.dir = await mkdtemp(path.join(tmpdir(), `${this.prefix}-`));
    // --internal: no route off the machine (containers still resolve each other by name).
    await docker(['network', 'create', '--internal', '--label', this.label, this.network]);
    this.made.push(`network:${this.network}`);
    this.made.push(this.server);
    // headscale starts once its config exists: the config names the server by its IP, known only now.
    const run = await exec(
      'docker',
      [
        'run',
        '-d',
        '--name',
        this.server,
        '--label',
        this.label,
        '--network',
        this.network,
        // `-e NAME` without a value: docker takes it from its own env, so a secret is in no argv
        ...Object.keys(this.options.env ?? {}).flatMap((k) => ['-e', k]),
        '-v',
        `${this.dir}:/etc/headscale:ro`,
        '--entrypoint',
        '/bin/sh',
        headscaleImage(this.version),
        '-c',
        'until [ -s /etc/headscale/config.yaml ]; do sleep 0.1; done; exec headscale serve',
      ],
      { env: { ...process.env, ...this.options.env } },
    );
    if (run.code !== 0) throw new Error(`docker run of ${this.server} failed (${run.code}): ${run.stderr.trim()}`);
    const ip = (await docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`, this.server])).trim();
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`no IPv4 address of ${this.server} on ${this.network}: ${JSON.stringify(ip)}`);
    this.serverUrl = `http://${ip}:8080`;
    const text = this.options.config ? await this.options.config(this) : this.config();
    await writeFile(path.join(this.dir, 'config.tmp'), text, { mode: 0o644 });
    await rename(path.join(this.dir, 'config.tmp'), path.join(this.dir, 'config.yaml'));
    await waitFor(
      `headscale ${this.version} to answer (users list)`,
      async () => (await this.headscale(['users', 'list', '-o', 'json'], 10_000)).code === 0,
      60_000,
      500,
    );
  }

  /**
   * This tailnet's headscale config (see headscaleConfig).
   */
  config(): string {
    return headscaleConfig({ version: this.version, serverUrl: this.serverUrl, baseDomain: this.baseDomain });
  }

  /**
   * Replace headscale's config and restart it (its state — database, keys — stays in the container);
   * resolves when it answers again.
   */
  async reconfigure(text: string): Promise<void> {
    await writeFile(path.join(this.dir, 'config.tmp'), text, { mode: 0o644 });
    await rename(path.join(this.dir, 'config.tmp'), path.join(this.dir, 'config.yaml'));
    await docker(['restart', '-t', '5', this.server]);
    await waitFor(
      `headscale ${this.version} to answer again (users list)`,
      async () => (await this.headscale(['users', 'list', '-o', 'json'], 10_000)).code === 0,
      60_000,
      500,
    );
  }

  /**
   * The host's address on this tailnet's network (the bridge's gateway): a server the test runs on the
   * host, bound there, is reached by the containers and by the host (a browser) under one URL.
   */
  async gatewayAddress(): Promise<string> {
    const gw =
      (await docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}} {{end}}', this.network])).trim().split(/\s+/)[0] ?? '';
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(gw)) throw new Error(`no IPv4 gateway on ${this.network}: ${JSON.stringify(gw)}`);
    return gw;
  }

  /** `docker exec <headscale> headscale …` (never throws). */
  headscale(args: string[], timeoutMs = 30_000): Promise<ExecResult> {
    return exec('docker', ['exec', this.server, 'headscale', ...args], { timeoutMs });
  }

  /** A headscale command that must succeed, its `-o json` output parsed. */
  async headscaleJson<T>(args: string[]): Promise<T> {
    const r = await this.headscale([...args, '-o', 'json']);
    if (r.code !== 0) throw new Error(`headscale ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`headscale ${args.join(' ')}: not JSON: ${r.stdout}`);
    }
  }

  /** 0.26 / 0.28+ CLI differences are keyed on this. */
  get minor(): number {
    return Number(/^v?0\.(\d+)/.exec(this.version)?.[1] ?? 0);
  }

  async createUser(u: { name: string; email?: string; displayName?: string; pictureUrl?: string }): Promise<HeadscaleUser> {
    const args = ['users', 'create', u.name];
    if (u.email) args.push('--email', u.email);
    if (u.displayName) args.push('--display-name', u.displayName);
    if (u.pictureUrl) args.push('--picture-url', u.pictureUrl);
    const user = await this.headscaleJson<HeadscaleUser>(args);
    return { ...user, id: String(user.id) };
  }

  /** An API key (`headscale apikeys create`), for the product's `keys:` API path. */
  async createApiKey(expiration = '1h'): Promise<string> {
    const r = await this.headscale(['apikeys', 'create', '--expiration', expiration]);
    const key = r.stdout.trim().split('\n').pop()?.trim() ?? '';
    if (r.code !== 0 || !key) throw new Error(`headscale apikeys create failed (${r.code}): ${r.stderr}${r.stdout}`);
    return key;
  }

  async createPreAuthKey(
    options: { user?: HeadscaleUser; reusable?: boolean; ephemeral?: boolean; tags?: string[]; expiration?: string } = {},
  ): Promise<PreAuthKey> {
    const args = ['preauthkeys', 'create', '--expiration', options.expiration ?? '1h'];
    if (options.user) args.push('--user', options.user.id);
    else if (this.minor < 28) throw new Error(`headscale ${this.version}: a pre-auth key needs a user`);
    if (options.reusable) args.push('--reusable');
    if (options.ephemeral) args.push('--ephemeral');
    if (options.tags?.length) args.push('--tags', options.tags.join(','));
    const k = await this.headscaleJson<{ key: string; id: string | number; acl_tags?: string[]; user?: { id: string | number } }>(args);
    return { key: k.key, id: String(k.id), userId: options.user?.id, tags: k.acl_tags ?? [] };
  }

  /** Expire a pre-auth key: `--user <id> expire <key>` (0.26) or `expire --id <id>` (0.28+). */
  async expirePreAuthKey(k: PreAuthKey): Promise<ExecResult> {
    const args = this.minor < 28 ? ['preauthkeys', '--user', k.userId ?? '0', 'expire', k.key] : ['preauthkeys', 'expire', '--id', k.id];
    const r = await this.headscale(args);
    if (r.code !== 0) throw new Error(`headscale ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r;
  }

  async nodes(): Promise<HeadscaleNode[]> {
    const list = await this.headscaleJson<HeadscaleNode[] | null>(['nodes', 'list']);
    return (list ?? []).map((n) => ({ ...n, id: String(n.id) }));
  }

  /** The node whose given name (MagicDNS label) or host name is `name`. */
  async node(name: string): Promise<HeadscaleNode | undefined> {
    return (await this.nodes()).find((n) => n.given_name === name || n.name === name);
  }

  async expireNode(id: string): Promise<ExecResult> {
    const r = await this.headscale(['nodes', 'expire', '--identifier', id]);
    if (r.code !== 0) throw new Error(`headscale nodes expire ${id} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r;
  }

  /** A container name of this tailnet (`<prefix>-<suffix>`), removed by cleanup(). */
  name(suffix: string): string {
    const n = `${this.prefix}-${suffix}`;
    if (!this.made.includes(n)) this.made.push(n);
    return n;
  }

  /** A Docker volume of this tailnet (`<prefix>-<suffix>`, labelled), removed by cleanup(). */
  async volume(suffix: string): Promise<string> {
    const v = `${this.prefix}-${suffix}`;
    this.made.push(`volume:${v}`);
    await docker(['volume', 'create', '--label', this.label, v]);
    return v;
  }

  /** `docker run` arguments that put a container on this tailnet's network with its label. */
  runArgs(): string[] {
    return ['--network', this.network, '--label', this.label];
  }

  /**
   * `docker run -d` a container of this tailnet: on its network, labelled, with TAILSCALED_ENV and
   * `env` (later wins), plus `extra` docker arguments (e.g. `-v <volume>:/var/lib/tailscale`).
   */
  async run(suffix: string, image: string, env: Record<string, string>, extra: string[] = []): Promise<string> {
    const container = this.name(suffix);
    const envArgs = Object.entries({ ...TAILSCALED_ENV, ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await docker(['run', '-d', '--name', container, ...this.runArgs(), ...envArgs, ...extra, image]);
    return container;
  }

  /**
   * A visitor node (real tailscaled, userspace networking) logged in with `authKey`; resolves when
   * it is Running. `hostname` defaults to the name.
   */
  async startVisitor(options: { name: string; authKey: string; hostname?: string }): Promise<TailnetNode> {
    const { container, node } = await this.visitorContainer(options.name);
    const up = await node.tailscale(
      [
        'up',
        `--login-server=${this.serverUrl}`,
        `--auth-key=${options.authKey}`,
        `--hostname=${options.hostname ?? options.name}`,
        '--timeout=60s',
      ],
      90_000,
    );
    if (up.code !== 0) {
      const logs = await exec('docker', ['logs', '--tail', '40', container]);
      throw new Error(
        `tailscale up in ${container} failed (${up.code}): ${up.stderr}${up.stdout}\n--- tailscaled:\n${logs.stderr}${logs.stdout}`,
      );
    }
    await node.waitRunning();
    return node;
  }

  /** A visitor container whose tailscaled answers on its LocalAPI, not logged in yet. */
  private async visitorContainer(name: string): Promise<{ container: string; node: TailnetNode }> {
    const container = this.name(`v-${name}`);
    return { container, node: await runVisitor(container, this.runArgs()) };
  }

  /**
   * A visitor node that logs in interactively: `tailscale up` with no key, left running in the
   * container (it waits for the login), and the login URL it got from headscale (`AuthURL` of
   * `tailscale status --json`, `<server_url>/register/<id>`). The test completes the login (a browser)
   * and then waits with `node.waitRunning()`.
   */
  async startLoginVisitor(options: { name: string; hostname?: string }): Promise<{ node: TailnetNode; authUrl: string }> {
    const { container, node } = await this.visitorContainer(options.name);
    await docker([
      'exec',
      '-d',
      container,
      'tailscale',
      'up',
      `--login-server=${this.serverUrl}`,
      `--hostname=${options.hostname ?? options.name}`,
    ]);
    const authUrl = await waitFor(
      `${container}'s login URL`,
      async () => {
        const st = await node.status();
        return st.AuthURL || undefined;
      },
      60_000,
      250,
    );
    return { node, authUrl };
  }

  /** Until headscale lists `name` as online (the node holds its map session). */
  async waitNodeOnline(name: string, timeoutMs = 60_000): Promise<HeadscaleNode> {
    return waitFor(
      `node ${name} online in headscale`,
      async () => {
        const n = await this.node(name);
        return n?.online ? n : undefined;
      },
      timeoutMs,
      500,
    );
  }

  /** Remove every container and the network this tailnet made, and the config dir. Never throws. */
  async cleanup(): Promise<void> {
    const containers = this.made.filter((m) => !m.includes(':'));
    const byLabel = (await exec('docker', ['ps', '-aq', '--filter', `label=${this.label}`])).stdout.split('\n').filter(Boolean);
    const all = [...new Set([...containers, ...byLabel])];
    if (all.length) await exec('docker', ['rm', '-f', '-v', ...all], { timeoutMs: 120_000 });
    for (let i = 0; i < 10; i++) {
      const r = await exec('docker', ['network', 'rm', this.network]);
      if (r.code === 0 || /not found|no such network/i.test(r.stderr)) break;
      // an endpoint still held by a container being removed (the product's own, which `down` removed):
      // disconnect what is left, then try again
      const attached = await exec('docker', ['network', 'inspect', '-f', '{{range $id, $c := .Containers}}{{$id}} {{end}}', this.network]);
      for (const id of attached.stdout.split(/\s+/).filter(Boolean))
        await exec('docker', ['network', 'disconnect', '-f', this.network, id]);
      await sleep(1_000);
    }
    for (const m of this.made) {
      if (m.startsWith('volume:')) await exec('docker', ['volume', 'rm', '-f', m.slice('volume:'.length)]);
    }
    this.made.length = 0;
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

export interface ContainerMemory {
  /** memory.usage_in_bytes (cgroup v1; memory.current on v2): what `docker stats` starts from. */
  usage: number;
  /** Anonymous memory of the processes (memory.stat total_rss; v2: anon). */
  rss: number;
  /** Page cache charged to the container (total_cache; v2: file), e.g. binaries copied at start. */
  cache: number;
}

/** A container's memory, read from its cgroup (v1 memory controller, else v2). */
export async function containerMemory(container: string): Promise<ContainerMemory> {
  const r = await exec('docker', [
    'exec',
    container,
    'sh',
    '-c',
    'if [ -f /sys/fs/cgroup/memory/memory.usage_in_bytes ]; then cat /sys/fs/cgroup/memory/memory.usage_in_bytes; cat /sys/fs/cgroup/memory/memory.stat; ' +
      'else cat /sys/fs/cgroup/memory.current; cat /sys/fs/cgroup/memory.stat; fi',
  ]);
  const lines = r.stdout.trim().split('\n');
  const usage = Number(lines[0]);
  if (r.code !== 0 || !Number.isFinite(usage)) throw new Error(`memory of ${container}: ${r.stdout}${r.stderr}`);
  const stat = new Map(lines.slice(1).map((l) => l.split(' ') as [string, string]));
  const num = (...keys: string[]) => Number(keys.map((k) => stat.get(k)).find((v) => v !== undefined) ?? Number.NaN);
  return { usage, rss: num('total_rss', 'anon'), cache: num('total_cache', 'file') };
}
