#!/usr/bin/env node
// bench/tailnet: demo-fleet on the REAL tailnet binaries (tailscale/tailscaled and headscale, the
// versions scripts/tailnet-binaries.sh builds). A REPORT, not a test: prints measured numbers, the
// targets and PASS/MISS, and exits 0 either way (1 only when the benchmark itself could not run).
// Start it with bench/tailnet/run.sh (its EXIT trap cleans up even after a crash); see bench/README.md.
//
//   (1) events (issue 23 step 5): `demo-fleet up` of 5 events from nothing to served, on a real
//       headscale whose API mints the keys (`keys:`), then no-op `up`s; the cgroup memory of one served
//       event container (tailscaled + app + init) idle and while a visitor node fetches its page through
//       serve for ~20 s; next to it a bare tailscaled container (the visitor image, no app); and what that
//       means in events per 2 GB VPS.
//   (2) peers (issue 29 item 5): on a real headscale with 50 connected nodes, the output size and time of
//       `tailscale status --json` vs `tailscale status --json --peers=false` on one node, by `docker exec`
//       as the product runs its readiness probe.
//
// The tailnet is test/helpers/real-tailnet.ts's RealTailnet (headscale on a private --internal network,
// users, API and pre-auth keys, visitor nodes), loaded through an esbuild bundle made at start (there is
// no TypeScript loader in node_modules). Everything made carries the run id (BENCH_RUN_ID).
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs } from '../lib/args.mjs';
import { cleanupAttempts, runBench } from '../lib/run-bench.mjs';
import { timed as timedRun } from '../lib/timed.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const HELPER = path.join(ROOT, 'test/helpers/real-tailnet.ts');
const API_KEY_VAR = 'BENCH_TAILNET_API_KEY';
/** The load visitor's tailscaled runs an HTTP proxy here (cmd/tailscaled/proxy.go v1.102.3 line 34; absolute URLs: line 126). */
const PROXY_PORT = 1056;
const MiB = 2 ** 20;
/** The VPS of the events-per-VPS figure, and what its OS + Docker engine take before any event. */
const VPS_MIB = 2048;
const OVERHEAD_MIB = 300;
/** Targets (see bench/README.md, section bench/tailnet). */
const TARGET_EVENTS_PER_VPS = 15;
const TARGET_PEERS_RATIO = 5;

function parseArgs(argv) {
  return benchArgs(
    argv,
    {
      headscale: { kind: 'string', default: null },
      events: { kind: 'int', default: 5 },
      'cold-repeats': { kind: 'int', default: 2 },
      'noop-repeats': { kind: 'int', default: 3 },
      'idle-seconds': { kind: 'int', default: 20 },
      'load-seconds': { kind: 'int', default: 20 },
      'load-concurrency': { kind: 'int', default: 8 },
      nodes: { kind: 'int', default: 50 },
      'nodes-per-container': { kind: 'int', default: 25 },
      runs: { kind: 'int', default: 30 },
      'skip-events': { kind: 'flag', default: false },
      'skip-peers': { kind: 'flag', default: false },
      out: { kind: 'path', default: null },
      'cleanup-only': { kind: 'flag', default: false },
    },
    [
      'usage: bench/tailnet/run.sh [options]',
      '  --headscale V          headscale version (default: the newest of scripts/tailnet-binaries.sh)',
      '  (1) events',
      '  --events N             events in the fleet (default 5)',
      '  --cold-repeats N       cold `up` runs, nothing deployed, to served (default 2)',
      '  --noop-repeats N       no-op `up` and `up --no-wait` runs (default 3)',
      '  --idle-seconds N       served and idle this long before the idle memory reading (default 20)',
      '  --load-seconds N       the visitor fetches the page this long (default 20)',
      '  --load-concurrency N   requests in flight from the visitor (default 8)',
      '  (2) peers',
      '  --nodes N              nodes on the tailnet, the measured one included (default 50)',
      '  --nodes-per-container N  tailscaled processes per peer container (default 25)',
      '  --runs N               runs of each status command (default 30)',
      '  --skip-events / --skip-peers   leave out (1) or (2)',
      '  --out FILE             also write the numbers as JSON',
    ].join('\n'),
  );
}

const RUN_ID = process.env.BENCH_RUN_ID || `${Date.now().toString(36).slice(-5)}${Math.random().toString(16).slice(2, 6)}`;
const FLEET = `bt-${RUN_ID}`;
const REPO = `demo-fleet-bench/${FLEET}`;
const log = (line) => process.stderr.write(`[bench/tailnet] ${line}\n`);
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// processes

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * MiB, ...opts }).trim();
}
const docker = (...args) => sh('docker', args);
const lines = (s) => s.split('\n').filter(Boolean);

/** `timed` (bench/lib/timed.mjs), plus when each "minted auth key" line came (the keys step's pace). */
async function timed(cmd, args, opts = {}) {
  const r = await timedRun(cmd, args, opts);
  return { ...r, minted: r.stderrLines.filter((l) => /: minted auth key /.test(l.line)).map((l) => l.t) };
}

function must(r, what) {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.cmd}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-3000)}`);
  return r;
}

function jsonOf(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON:\n${text.slice(0, 500)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// the real-tailnet helper, bundled by esbuild (vitest's afterAll, which engine-fixture.ts imports for
// its fleets(), is stubbed; import.meta.url is the helper's own, so REPO_ROOT is this checkout)

async function loadHelper(tmp) {
  const { build } = await import('esbuild');
  const dir = path.join(tmp, 'helper');
  mkdirSync(dir);
  // the bundle keeps packages external: they resolve through this link
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const outfile = path.join(dir, 'real-tailnet.mjs');
  await build({
    entryPoints: [HELPER],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(path.join(ROOT, 'test/helpers/cli.ts')).href) },
    plugins: [
      {
        name: 'vitest-stub',
        setup(b) {
          b.onResolve({ filter: /^vitest$/ }, () => ({ path: 'vitest', namespace: 'stub' }));
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export function afterAll() {}', loader: 'js' }));
        },
      },
    ],
  });
  return import(pathToFileURL(outfile).href);
}

// ---------------------------------------------------------------------------------------------
// what we created, and its removal

/** Names of the two tailnets (RealTailnet prefixes every container and its network with them). */
const TAILNET_NAMES = { events: `ev${RUN_ID}`, peers: `pe${RUN_ID}` };

function helpersOf(dir) {
  const ids = lines(docker('ps', '-aq', '--filter', 'label=dev.demo-fleet.helper'));
  if (!ids.length) return [];
  let out;
  try {
    out = docker('inspect', '-f', '{{.Id}}{{range .Mounts}} {{.Source}}{{end}}', ...ids);
  } catch (e) {
    out = String(e.stdout ?? ''); // one of them went away meanwhile: the others are still listed
  }
  return lines(out)
    .map((l) => l.split(' '))
    .filter(([, ...sources]) => sources.some((src) => src.startsWith(`${dir}/`)))
    .map(([id]) => id);
}

function cleanup() {
  const { problems, attempt } = cleanupAttempts();
  attempt('containers', () => {
    const ids = new Set([
      // the fleet's (bt-<id>-eNN), its lock marker, both tailnets' (demo-fleet-rt-…-ev<id>-…, …-pe<id>-…)
      ...lines(docker('ps', '-aq', '--filter', `name=${RUN_ID}`)),
      ...lines(docker('ps', '-aq', '--filter', `label=dev.demo-fleet.fleet=${FLEET}`)),
      // the audit log's carrier of the run's appdata (cli/targets/docker/audit-store.ts)
      ...(process.env.BENCH_TMP
        ? lines(
            docker('ps', '-a', '--filter', 'label=dev.demo-fleet.role=audit', '--format', '{{.ID}} {{.Label "dev.demo-fleet.audit-dir"}}'),
          )
            .filter((l) => l.split(' ')[1]?.startsWith(`${process.env.BENCH_TMP}/`))
            .map((l) => l.split(' ')[0])
        : []),
      // a state-dir helper the CLI had made when it was killed (cli/targets/docker/state-dir.ts): it binds the run's appdata
      ...(process.env.BENCH_TMP ? helpersOf(process.env.BENCH_TMP) : []),
    ]);
    if (ids.size) docker('rm', '-f', '-v', ...ids);
  });
  attempt('networks', () => {
    for (const id of lines(docker('network', 'ls', '-q', '--filter', `name=${RUN_ID}`))) docker('network', 'rm', id);
  });
  attempt('images', () => {
    const refs = lines(docker('images', REPO, '--format', '{{.Repository}}:{{.Tag}}')).filter((r) => !r.endsWith(':<none>'));
    const ids = [...new Set(lines(docker('images', REPO, '-q', '--no-trunc')))];
    if (refs.length) docker('rmi', ...refs);
    const left = ids.filter((id) => {
      try {
        docker('image', 'inspect', id);
        return true;
      } catch {
        return false;
      }
    });
    if (left.length) docker('rmi', '-f', ...left);
  });
  attempt('temp dirs', () => {
    // the helper's config dirs (os.tmpdir()/demo-fleet-rt-<its run id>-<name>-XXXXXX), then ours
    for (const name of Object.values(TAILNET_NAMES)) {
      for (const d of readdirSync(os.tmpdir()).filter((f) => f.startsWith('demo-fleet-rt-') && f.includes(`-${name}-`))) {
        rmSync(path.join(os.tmpdir(), d), { recursive: true, force: true });
      }
    }
    const tmp = process.env.BENCH_TMP;
    if (tmp && path.basename(tmp).startsWith('demo-fleet-bench-tailnet.')) rmSync(tmp, { recursive: true, force: true });
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// statistics, memory, printing

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const list = (xs) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
const mib = (bytes) => (Number.isFinite(bytes) ? `${(bytes / MiB).toFixed(1)} MiB` : '-');
const verdict = (ok) => (ok ? 'PASS' : 'MISS');

/** Per step of one demo-fleet run: from its `==> step` line to the next (the last: to the exit); startup before the first. */
function stepDurations(run) {
  const d = { startup: run.steps[0]?.t ?? run.ms };
  run.steps.forEach((s, i) => {
    const key = s.name.replace(/ \d+ (event|tag)\(s\).*$/, '').replace(/,.*$/, '');
    d[key] = (d[key] ?? 0) + (i + 1 < run.steps.length ? run.steps[i + 1].t : run.ms) - s.t;
  });
  return d;
}

function medianSteps(all) {
  const keys = [...new Set(all.flatMap((d) => Object.keys(d)))];
  return keys.map((k) => `${k} ${sec(median(all.map((d) => d[k] ?? 0)))}`).join(', ');
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The memory cgroup of a container, read from the host (no exec in the container, so the reading adds
 * nothing to it): cgroup v1 with the cgroupfs driver (/sys/fs/cgroup/memory/docker/<id>), else v2
 * (…/docker/<id> or …/system.slice/docker-<id>.scope). null: not readable here (the helper's
 * containerMemory(), an exec in the container, is used instead).
 */
function cgroupOf(container) {
  const id = docker('inspect', '-f', '{{.Id}}', container);
  const v1 = `/sys/fs/cgroup/memory/docker/${id}`;
  if (existsSync(`${v1}/memory.usage_in_bytes`)) return { v: 1, dir: v1 };
  for (const dir of [`/sys/fs/cgroup/docker/${id}`, `/sys/fs/cgroup/system.slice/docker-${id}.scope`]) {
    if (existsSync(`${dir}/memory.current`)) return { v: 2, dir };
  }
  return null;
}

function readCgroup(cg) {
  const stat = new Map(
    readFileSync(`${cg.dir}/memory.stat`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')),
  );
  const num = (...keys) => Number(keys.map((k) => stat.get(k)).find((v) => v !== undefined) ?? Number.NaN);
  const read = (f) => {
    try {
      return Number(readFileSync(`${cg.dir}/${f}`, 'utf8').trim());
    } catch {
      return Number.NaN;
    }
  };
  const m =
    cg.v === 1
      ? {
          usage: read('memory.usage_in_bytes'),
          peak: read('memory.max_usage_in_bytes'),
          rss: num('total_rss'),
          cache: num('total_cache'),
          mapped: num('total_mapped_file'),
          inactiveFile: num('total_inactive_file'),
        }
      : {
          usage: read('memory.current'),
          peak: read('memory.peak'),
          rss: num('anon'),
          cache: num('file'),
          mapped: num('file_mapped'),
          inactiveFile: num('inactive_file'),
        };
  // the working set, as `docker stats` shows it (usage minus the inactive page cache)
  return { ...m, ws: m.usage - m.inactiveFile };
}

/** Start a new peak (v1: max_usage_in_bytes; v2 from Linux 6.12: memory.peak); false when the kernel refuses. */
function resetPeak(cg) {
  try {
    writeFileSync(`${cg.dir}/${cg.v === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak'}`, '0');
    return true;
  } catch {
    return false;
  }
}

/** Per process of a container: name, VmRSS and RssAnon (kB), from /proc inside it (the exec's own shell left out). */
async function processes(container) {
  const script =
    'for d in /proc/[0-9]*; do p=$(basename $d); [ "$p" = "$$" ] && continue; [ -r $d/status ] || continue; ' +
    'awk -v p=$p \'/^Name:/{n=$2} /^VmRSS:/{r=$2} /^RssAnon:/{a=$2} END{if (r != "") print p, n, r, a}\' $d/status 2>/dev/null; done';
  const r = must(await timed('docker', ['exec', container, 'sh', '-c', script]), `processes of ${container}`);
  return lines(r.stdout)
    .map((l) => l.split(' '))
    .filter((f) => f[1] !== 'awk')
    .map(([pid, name, rss, anon]) => ({ pid: Number(pid), name, rssKiB: Number(rss), anonKiB: Number(anon) }));
}

// ---------------------------------------------------------------------------------------------
// (1) events: cold up, no-op up, memory idle and under load

/** Load generator inside the visitor: keep-alive requests through tailscaled's HTTP proxy, for N seconds. */
const LOAD_SCRIPT = `
const http = require('node:http');
const [port, url, seconds, conc] = process.argv.slice(1);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conc) });
const end = Date.now() + Number(seconds) * 1000;
const out = { requests: 0, errors: 0, friends: 0, statuses: {}, bytes: 0, ms: [] };
const one = () => new Promise((resolve) => {
  const t0 = process.hrtime.bigint();
  const req = http.request({ host: '127.0.0.1', port: Number(port), path: url, agent, headers: { Host: target.hostname } }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => { body += d; });
    res.on('end', () => {
      out.requests++;
      out.statuses[res.statusCode] = (out.statuses[res.statusCode] || 0) + 1;
      out.bytes += Buffer.byteLength(body);
      if (body.includes("Now we're friends")) out.friends++;
      out.ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      resolve();
    });
  });
  req.setTimeout(10000, () => req.destroy(new Error('timeout')));
  req.on('error', () => { out.errors++; resolve(); });
  req.end();
});
(async () => {
  const t0 = Date.now();
  await Promise.all(Array.from({ length: Number(conc) }, async () => { while (Date.now() < end) await one(); }));
  const ms = out.ms.sort((a, b) => a - b);
  const q = (f) => ms.length ? ms[Math.min(ms.length - 1, Math.floor(f * ms.length))] : null;
  process.stdout.write(JSON.stringify({ ...out, ms: undefined, seconds: (Date.now() - t0) / 1000, p50: q(0.5), p99: q(0.99) }));
})();
`;

async function events(o, rt, tmp) {
  const { RealTailnet, EVENT_BASE_IMAGE, VISITOR_IMAGE, TAILSCALED_ENV, TailnetNode, containerMemory } = rt;
  log(`(1) events: headscale ${o.headscale}, ${o.events} events, image repo ${REPO}`);
  const tailnet = await RealTailnet.start({ version: o.headscale, name: TAILNET_NAMES.events });
  const r = { headscale: o.headscale };
  let cli;
  try {
    const fleetUser = await tailnet.createUser({ name: 'fleet', email: 'fleet@example.com' });
    const ada = await tailnet.createUser({ name: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace' });
    const apiKey = await tailnet.createApiKey();

    // --- the peer: a bare tailscaled container (the visitor image, nothing else), joined and idle
    const bare = await tailnet.startVisitor({ name: 'bare', authKey: (await tailnet.createPreAuthKey({ user: ada })).key });
    // --- the visitor that makes the load: the same image with tailscaled's outbound HTTP proxy on
    // (startVisitor has no way to pass tailscaled flags; what it does, here with one more flag)
    const loadName = tailnet.name('v-load');
    const envArgs = Object.entries(TAILSCALED_ENV).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    docker(
      'run',
      '-d',
      '--name',
      loadName,
      ...tailnet.runArgs(),
      ...envArgs,
      VISITOR_IMAGE,
      `--outbound-http-proxy-listen=127.0.0.1:${PROXY_PORT}`,
    );
    const visitor = new TailnetNode(loadName);
    for (let i = 0; ; i++) {
      if (/^\{/.test((await visitor.tailscale(['status', '--json'], 10_000)).stdout.trim())) break;
      if (i > 120) throw new Error(`${loadName}: tailscaled did not answer`);
      await pause(250);
    }
    const key = (await tailnet.createPreAuthKey({ user: ada })).key;
    must(
      {
        ...(await visitor.tailscale(
          ['up', `--login-server=${tailnet.serverUrl}`, `--auth-key=${key}`, '--hostname=ada-load', '--timeout=60s'],
          90_000,
        )),
        cmd: 'tailscale up (load visitor)',
      },
      'tailscale up in the load visitor',
    );
    await visitor.waitRunning();

    // --- a private copy of the built CLI (others may rebuild dist/ while this runs), and the fleet
    const cliRoot = path.join(tmp, 'cli');
    mkdirSync(cliRoot);
    for (const p of ['package.json', 'dist', 'templates']) cpSync(path.join(ROOT, p), path.join(cliRoot, p), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(cliRoot, 'node_modules'));
    const fleetDir = path.join(tmp, 'fleet');
    mkdirSync(fleetDir);
    const env = { ...process.env, [API_KEY_VAR]: apiKey, NO_COLOR: '1' };
    for (const k of ['DEMO_FLEET_FILE', 'DEMO_FLEET_DEBUG', 'GITHUB_SHA', 'GITHUB_REF_TYPE', 'GITHUB_REF_NAME', 'DOCKER_HOST'])
      delete env[k];
    const CLI = path.join(cliRoot, 'dist/bin/demo-fleet.mjs');
    cli = (args, timeoutMs) => timed(process.execPath, [CLI, ...args], { cwd: fleetDir, env, timeoutMs });

    must(await cli(['init', '--name', FLEET, '--image', REPO]), 'demo-fleet init');
    const initText = readFileSync(path.join(fleetDir, 'fleet.yaml'), 'utf8');
    if (!/^events: \{\}$/m.test(initText)) throw new Error('fleet.yaml from init has no "events: {}" line');
    const names = Array.from({ length: o.events }, (_, i) => `e${String(i + 1).padStart(2, '0')}`);
    // health every 1 s (as bench/up's "to served"): served needs the app healthy, so the default 10 s
    // interval would be most of a cold `up`. Keys: minted through headscale's API, per event, at `up`.
    writeFileSync(
      path.join(fleetDir, 'fleet.yaml'),
      `${initText.replace(/^events: \{\}$/m, `health:\n  interval: 1s\nevents:\n${names.map((e) => `  ${e}: {}`).join('\n')}`)}` +
        `loginServer: ${tailnet.serverUrl}\nnetwork: ${tailnet.network}\n` +
        `keys:\n  apiKey:\n    env: ${API_KEY_VAR}\n  user: ${fleetUser.name}\n  expiry: 10m\n`,
    );
    const appdata = path.join(fleetDir, 'appdata');

    log('  demo-fleet build (the image, once; not part of the cold up)');
    const build = must(await cli(['build', '--base-image', EVENT_BASE_IMAGE, '--json']), 'demo-fleet build');
    r.buildMs = build.ms;
    r.built = jsonOf(build.stdout, 'demo-fleet build').built;

    const up = async (flags, what) => {
      const u = await cli(['up', '--base-image', EVENT_BASE_IMAGE, '--wait-timeout', '300', '--json', ...flags], 420_000);
      must(u, what);
      const j = jsonOf(u.stdout, what);
      return { ...u, json: j };
    };
    const notServed = (j) => j.results.filter((x) => !String(x.status).startsWith('served') || !x.url);

    // --- cold up, to served: no container, no node state, no node in headscale, image built
    r.cold = [];
    r.coldBuilt = [];
    r.coldSteps = [];
    r.mintGaps = [];
    for (let i = 1; i <= o.coldRepeats; i++) {
      if (i > 1) {
        must(await cli(['down', '--json']), 'demo-fleet down');
        for (const n of await tailnet.nodes()) {
          if (names.some((e) => n.name.startsWith(e))) {
            const d = await tailnet.headscale(['nodes', 'delete', '--identifier', n.id, '--force']);
            if (d.code !== 0) throw new Error(`headscale nodes delete ${n.id}: ${d.stderr}${d.stdout}`);
          }
        }
      }
      rmSync(appdata, { recursive: true, force: true });
      await pause(2_000);
      const u = await up([], `cold up #${i}`);
      const kinds = new Set(u.json.plan.map((a) => a.action));
      if (kinds.size !== 1 || !kinds.has('create')) throw new Error(`cold up #${i}: plan ${JSON.stringify(u.json.plan)}`);
      if (notServed(u.json).length) throw new Error(`cold up #${i}: not served: ${JSON.stringify(notServed(u.json))}`);
      const minted = u.minted.length;
      // the keys are minted one event at a time: the time from the step's start to each key
      const mintStep = u.steps.find((x) => x.name.startsWith('mint auth keys'));
      if (mintStep) r.mintGaps.push(...u.minted.map((t, k) => t - (k ? u.minted[k - 1] : mintStep.t)));
      r.cold.push(u.ms);
      r.coldSteps.push(stepDurations(u));
      r.coldBuilt.push(u.json.built);
      log(`  cold up #${i}: ${sec(u.ms)}, ${o.events} served, ${minted} keys minted`);
      r.urls = Object.fromEntries(u.json.results.map((x) => [x.event, x.url]));
    }
    const servedAt = performance.now();

    // --- served means served: the visitor is greeted by name through serve
    const first = new URL(r.urls[names[0]]);
    const page = await visitor.fetch(first.hostname, Number(first.port || 80), '/');
    if (page.status !== 200 || !page.body.includes("Now we're friends, Ada Lovelace")) {
      throw new Error(`${names[0]} through serve: ${page.status} ${page.body.slice(0, 300)}`);
    }

    // --- no-op up (and --no-wait), interleaved
    r.noop = [];
    r.noopNoWait = [];
    r.noopSteps = [];
    for (let i = 1; i <= o.noopRepeats; i++) {
      for (const flags of i % 2 ? [[], ['--no-wait']] : [['--no-wait'], []]) {
        const u = await up(flags, `no-op up ${flags.join(' ')}`);
        if (u.json.plan.some((a) => a.action !== 'keep') || u.json.built) throw new Error(`no-op up: ${JSON.stringify(u.json.plan)}`);
        // a kept container that is healthy is not looked into again: its status is "kept (healthy)"
        if (u.json.results.some((x) => !x.ok)) throw new Error(`no-op up: ${JSON.stringify(u.json.results)}`);
        if (!flags.length) r.noopStatuses = [...new Set(u.json.results.map((x) => x.status))];
        (flags.length ? r.noopNoWait : r.noop).push(u.ms);
        if (!flags.length) r.noopSteps.push(stepDurations(u));
      }
    }
    log(`  no-op up: ${list(r.noop)} s; --no-wait: ${list(r.noopNoWait)} s`);

    // --- memory, idle
    const containers = names.map((e) => `${FLEET}-${e}`);
    const target = containers[0];
    const cgs = Object.fromEntries([...containers, bare.container, loadName].map((c) => [c, cgroupOf(c)]));
    r.memorySource = cgs[target] ? `host cgroup v${cgs[target].v} (${path.dirname(cgs[target].dir)}/<id>)` : 'containerMemory() (exec)';
    const mem = async (c) => {
      if (cgs[c]) return readCgroup(cgs[c]);
      const m = await containerMemory(c);
      return { ...m, peak: Number.NaN, mapped: Number.NaN, inactiveFile: Number.NaN, ws: Number.NaN };
    };
    const wait = o.idleSeconds * 1000 - (performance.now() - servedAt);
    if (wait > 0) {
      log(`  idle ${sec(wait)} more before the idle reading`);
      await pause(wait);
    }
    r.idle = {};
    for (const c of [...containers, bare.container, loadName]) r.idle[c] = await mem(c);
    r.idleViaExec = await containerMemory(target); // the helper's reading, for comparison
    r.idleProcesses = await processes(target);
    r.bareProcesses = await processes(bare.container);

    // --- memory under load: the visitor fetches the first event's page through serve
    const peakReset = cgs[target] ? resetPeak(cgs[target]) && resetPeak(cgs[bare.container]) : false;
    const samples = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await mem(target));
        await pause(1000);
      }
    })();
    log(`  load: ${o.loadConcurrency} requests in flight for ${o.loadSeconds} s from ${loadName} to ${r.urls[names[0]]}`);
    const load = must(
      await timed(
        'docker',
        [
          'exec',
          loadName,
          'node',
          '-e',
          LOAD_SCRIPT,
          String(PROXY_PORT),
          r.urls[names[0]],
          String(o.loadSeconds),
          String(o.loadConcurrency),
        ],
        { timeoutMs: (o.loadSeconds + 60) * 1000 },
      ),
      'load',
    );
    r.load = jsonOf(load.stdout, 'load');
    r.loadEnd = await mem(target);
    r.loadProcesses = await processes(target);
    sampling = false;
    await sampler;
    samples.push(r.loadEnd);
    r.loadSamplesMax = Math.max(...samples.map((x) => x.usage));
    r.loadWsMax = Math.max(...samples.map((x) => x.ws));
    r.loadAnonMax = Math.max(...samples.map((x) => x.rss));
    r.loadPeak = peakReset ? r.loadEnd.peak : r.loadSamplesMax;
    r.peakSource = peakReset ? 'cgroup peak (reset before the load)' : 'max of 1 s samples';
    r.bareDuringLoad = await mem(bare.container);
    log('  10 s after the load');
    await pause(10_000);
    r.after = await mem(target);
    r.loadAvgEnd = os.loadavg()[0];
  } finally {
    if (cli) {
      const d = await cli(['down', '--json']);
      if (d.code !== 0) log(`demo-fleet down: exit ${d.code}: ${d.stderr.slice(-500)}`);
    }
    await tailnet.cleanup();
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// (2) peers: tailscale status --json with and without the peer list, on a tailnet of N nodes

/** A peer container: K userspace tailscaled, each with its own state dir and socket, and nothing else. */
const PEERS_MAIN = `
n=$1; mkdir -p /run/ts
i=1
while [ $i -le $n ]; do
  mkdir -p /var/lib/ts/n$i
  tailscaled --tun=userspace-networking --statedir=/var/lib/ts/n$i --socket=/run/ts/n$i.sock --port=0 >/var/lib/ts/n$i.log 2>&1 &
  i=$((i + 1))
done
wait
`;
/** Join nodes 1..n of a peer container, par at a time (one reusable key). */
const PEERS_JOIN = `
n=$1; server=$2; key=$3; prefix=$4; par=$5
i=1
while [ $i -le $n ]; do
  s=/run/ts/n$i.sock
  until [ -S $s ]; do sleep 0.2; done
  tailscale --socket=$s up --login-server=$server --auth-key=$key --hostname=$prefix-$i --timeout=180s >/run/ts/up$i.log 2>&1 &
  [ $((i % par)) -eq 0 ] && wait
  i=$((i + 1))
done
wait
fails=0
i=1
while [ $i -le $n ]; do
  tailscale --socket=/run/ts/n$i.sock status --json --peers=false 2>/dev/null | grep -q '"BackendState": "Running"' || { fails=$((fails + 1)); echo "node $i:"; cat /run/ts/up$i.log; }
  i=$((i + 1))
done
echo "not running: $fails"
[ $fails -eq 0 ]
`;
/** Inside the measured node's container: each status command N times, interleaved, timed by node (no docker exec). */
const INSIDE_SCRIPT = `
const { execFileSync } = require('node:child_process');
const runs = Number(process.argv[1]);
const cmds = { full: ['status', '--json'], nopeers: ['status', '--json', '--peers=false'] };
const ms = { full: [], nopeers: [] };
const bytes = { full: 0, nopeers: 0 };
for (let i = 0; i < runs; i++) {
  for (const k of i % 2 ? ['nopeers', 'full'] : ['full', 'nopeers']) {
    const t0 = process.hrtime.bigint();
    const out = execFileSync('tailscale', cmds[k], { maxBuffer: 1 << 26 });
    ms[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
    bytes[k] = out.length;
  }
}
process.stdout.write(JSON.stringify({ ms, bytes }));
`;

async function peers(o, rt) {
  const { RealTailnet, VISITOR_IMAGE, TAILSCALED_ENV } = rt;
  log(`(2) peers: headscale ${o.headscale}, ${o.nodes} nodes`);
  const tailnet = await RealTailnet.start({ version: o.headscale, name: TAILNET_NAMES.peers });
  const r = { headscale: o.headscale, nodes: o.nodes };
  try {
    const user = await tailnet.createUser({ name: 'peers', email: 'peers@example.com' });
    const probe = await tailnet.startVisitor({ name: 'probe', authKey: (await tailnet.createPreAuthKey({ user })).key });
    const reusable = (await tailnet.createPreAuthKey({ user, reusable: true })).key;
    const envArgs = Object.entries(TAILSCALED_ENV).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const others = o.nodes - 1;
    r.containers = [];
    const t0 = performance.now();
    for (let at = 0, k = 1; at < others; at += o.nodesPerContainer, k++) {
      const n = Math.min(o.nodesPerContainer, others - at);
      const c = tailnet.name(`peers-${k}`);
      docker(
        'run',
        '-d',
        '--name',
        c,
        ...tailnet.runArgs(),
        ...envArgs,
        '--entrypoint',
        'sh',
        VISITOR_IMAGE,
        '-c',
        PEERS_MAIN,
        'sh',
        String(n),
      );
      r.containers.push({ name: c, nodes: n });
    }
    // join every container's nodes (containers in turn, 8 nodes at a time inside each)
    for (const [k, c] of r.containers.entries()) {
      log(`  joining ${c.nodes} nodes in ${c.name}`);
      const j = await timed(
        'docker',
        ['exec', c.name, 'sh', '-c', PEERS_JOIN, 'sh', String(c.nodes), tailnet.serverUrl, reusable, `p${k + 1}`, '8'],
        {
          timeoutMs: 600_000,
        },
      );
      must(j, `joining the nodes of ${c.name}`);
    }
    // connected: headscale lists every node online, and the measured node sees all others as online peers
    let seen;
    for (let i = 0; ; i++) {
      const online = (await tailnet.nodes()).filter((n) => n.online).length;
      const st = jsonOf((await probe.tailscale(['status', '--json'], 30_000)).stdout, 'status');
      const ps = Object.values(st.Peer ?? {});
      seen = { online, peers: ps.length, peersOnline: ps.filter((p) => p.Online).length };
      if (online >= o.nodes && seen.peersOnline >= others) break;
      if (i >= 120) throw new Error(`not all connected after 4 min: ${JSON.stringify(seen)}`);
      await pause(2000);
    }
    r.joinMs = performance.now() - t0;
    r.seen = seen;
    log(
      `  ${seen.online} nodes online in headscale, ${seen.peersOnline}/${seen.peers} peers online at the measured node (${sec(r.joinMs)})`,
    );
    r.containerMemory = r.containers.map((c) => ({ ...c, ...(cgroupOf(c.name) ? readCgroup(cgroupOf(c.name)) : {}) }));

    // from the host, as the product looks: docker exec <container> tailscale status --json [--peers=false]
    const variants = {
      full: ['tailscale', 'status', '--json'],
      nopeers: ['tailscale', 'status', '--json', '--peers=false'],
      true: ['true'],
    };
    const keys = Object.keys(variants);
    r.exec = Object.fromEntries(keys.map((k) => [k, { ms: [], bytes: [] }]));
    log(`  ${o.runs} runs of each, interleaved: ${keys.map((k) => `docker exec ${variants[k].join(' ')}`).join(' | ')}`);
    for (let i = 0; i < o.runs; i++) {
      for (let j = 0; j < keys.length; j++) {
        const k = keys[(i + j) % keys.length];
        const x = must(await timed('docker', ['exec', probe.container, ...variants[k]]), `docker exec ${variants[k].join(' ')}`);
        r.exec[k].ms.push(x.ms);
        r.exec[k].bytes.push(x.bytes);
        if (k === 'full') r.peersInOutput = Object.keys(jsonOf(x.stdout, 'status').Peer ?? {}).length;
        if (k === 'nopeers') r.selfOnly = jsonOf(x.stdout, 'status');
      }
    }
    // the same commands timed inside the container (no docker exec around them)
    const inside = must(await timed('docker', ['exec', probe.container, 'node', '-e', INSIDE_SCRIPT, String(o.runs)]), 'inside timing');
    r.inside = jsonOf(inside.stdout, 'inside timing');
    r.loadAvgEnd = os.loadavg()[0];
  } finally {
    await tailnet.cleanup();
  }
  return r;
}

// ---------------------------------------------------------------------------------------------

async function main(o) {
  const tmp = process.env.BENCH_TMP || mkdtempSync(path.join(os.tmpdir(), 'demo-fleet-bench-tailnet.'));
  process.env.BENCH_TMP = tmp;
  const started = new Date();
  const loadStart = os.loadavg()[0];
  log(`run ${RUN_ID}: fleet ${FLEET}, tailnets ${Object.values(TAILNET_NAMES).join(', ')}, temp ${tmp}`);
  try {
    docker('info', '--format', '{{.ServerVersion}}');
  } catch {
    throw new Error('no Docker engine answers (docker info failed)');
  }
  const engineVersion = docker('version', '--format', '{{.Server.Version}}');
  const bundle = path.join(ROOT, 'dist/bin/demo-fleet.mjs');
  if (!o.skipEvents) {
    if (!existsSync(bundle) || !existsSync(path.join(ROOT, 'dist/image/server.cjs'))) {
      log('dist/ is missing: npm run build');
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    } else {
      const newest = (dir) => Math.max(0, ...readdirSync(dir, { recursive: true }).map((f) => statSync(path.join(dir, f)).mtimeMs));
      if (Math.max(newest(path.join(ROOT, 'cli')), newest(path.join(ROOT, 'app'))) > statSync(bundle).mtimeMs) {
        log('warning: cli/ or app/ is newer than dist/: the bench runs dist/ as built (npm run build to refresh it)');
      }
    }
    if (!existsSync('/dev/net/tun')) throw new Error('/dev/net/tun does not exist: the event containers run kernel TUN');
  }
  const rt = await loadHelper(tmp);
  const missing = rt.tailnetBinaries();
  if (!missing.ok) throw new Error(`the real binaries are missing: ${missing.why}`);
  o.headscale ??= rt.HEADSCALE_VERSIONS.at(-1);
  if (!rt.HEADSCALE_VERSIONS.includes(o.headscale))
    throw new Error(`--headscale ${o.headscale}: not one of ${rt.HEADSCALE_VERSIONS.join(', ')}`);
  log('images: test/fixtures/real-tailnet/build.sh');
  await rt.buildRealTailnetImages();

  const ev = o.skipEvents ? null : await events(o, rt, tmp);
  const pe = o.skipPeers ? null : await peers(o, rt);

  // --- report
  const loadEnd = os.loadavg()[0];
  const report = [
    '',
    `bench/tailnet  ${started.toISOString()}  ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Docker ${engineVersion}, node ${process.version}`,
    `tailscale ${rt.TAILSCALE_VERSION}, headscale ${o.headscale}; load average (1 min) ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end` +
      (Math.max(loadStart, loadEnd) > os.cpus().length ? '  (busy machine: timings are noisy)' : ''),
  ];
  const targets = [['target', 'measured', 'wanted', '']];
  const json = { date: started.toISOString(), tailscale: rt.TAILSCALE_VERSION, headscale: o.headscale, docker: engineVersion };

  if (ev) {
    const names = Object.keys(ev.urls);
    const target = `${FLEET}-${names[0]}`;
    const idle = ev.idle[target];
    const bareName = Object.keys(ev.idle).find((c) => c.endsWith('-v-bare'));
    const loadName = Object.keys(ev.idle).find((c) => c.endsWith('-v-load'));
    const bare = ev.idle[bareName];
    const budget = VPS_MIB - OVERHEAD_MIB;
    const perVps = (bytes) => Math.floor((budget * MiB) / bytes);
    const eventsIdle = perVps(idle.usage);
    const eventsLoad = perVps(ev.loadPeak);
    const usages = names.map((e) => ev.idle[`${FLEET}-${e}`].usage);
    const byName = (ps) => {
      const m = new Map();
      for (const p of ps) {
        const x = m.get(p.name) ?? { n: 0, rss: 0, anon: 0 };
        m.set(p.name, { n: x.n + 1, rss: x.rss + p.rssKiB, anon: x.anon + p.anonKiB });
      }
      return [...m.entries()].sort((a, b) => b[1].rss - a[1].rss);
    };
    const loadProcs = new Map(byName(ev.loadProcesses));
    const l = ev.load;
    report.push(
      '',
      `(1) events: fleet ${FLEET}, ${names.length} events on demo-fleet-test/base:tailnet-real (real tailscaled, kernel TUN), keys minted through headscale's API, health interval 1 s`,
      table([
        ['measurement', 'median', 'runs (s)'],
        [`demo-fleet build (once, before the cold ups; built: ${ev.built})`, sec(ev.buildMs), ''],
        [`cold up of ${names.length}, nothing deployed, to all served`, sec(median(ev.cold)), list(ev.cold)],
        [`no-op up of ${names.length} served (readiness looks)`, sec(median(ev.noop)), list(ev.noop)],
        [`no-op up --no-wait`, sec(median(ev.noopNoWait)), list(ev.noopNoWait)],
      ]),
      `  cold up, median per step: ${medianSteps(ev.coldSteps)}`,
      `  mint step: one event after the other (node state check, then the API call), ${sec(median(ev.mintGaps))} per event (median of ${ev.mintGaps.length})`,
      `  no-op up, median per step: ${medianSteps(ev.noopSteps)}; statuses: ${ev.noopStatuses.join(', ')}`,
      '',
      `memory (${ev.memorySource}): usage = anon + page cache as the cgroup counts it; working set = usage - inactive file (docker stats)`,
      table([
        ['container', 'usage', 'working set', 'anon', 'cache (mapped)'],
        ...[
          [`${names[0]} idle, ${o.idleSeconds} s after served`, idle],
          [`${names[0]} at the end of the ${o.loadSeconds} s load`, ev.loadEnd],
          [`${names[0]} 10 s after the load`, ev.after],
          ['bare tailscaled container (visitor image), idle', bare],
          ['  the same, during the load', ev.bareDuringLoad],
          ['load visitor (userspace tailscaled + HTTP proxy), idle', ev.idle[loadName]],
          [`${names[0]} idle, via containerMemory() (exec)`, { ...ev.idleViaExec, ws: Number.NaN, mapped: Number.NaN }],
        ].map(([label, m]) => [label, mib(m.usage), mib(m.ws), mib(m.rss), `${mib(m.cache)} (${mib(m.mapped)})`]),
        [
          `${names[0]} under load: peak / max of 1 s samples`,
          `${mib(ev.loadPeak)} / ${mib(ev.loadSamplesMax)}`,
          mib(ev.loadWsMax),
          mib(ev.loadAnonMax),
          '',
        ],
        [`all ${names.length} events idle (min - max)`, `${mib(Math.min(...usages))} - ${mib(Math.max(...usages))}`, '', '', ''],
      ]),
      '',
      `processes of ${names[0]} (VmRSS / RssAnon; file-backed pages of the same binary are shared between containers)`,
      table([
        ['process', 'count', 'idle VmRSS', 'idle anon', 'load VmRSS', 'load anon'],
        ...byName(ev.idleProcesses).map(([n, x]) => [
          n,
          String(x.n),
          `${(x.rss / 1024).toFixed(1)} MiB`,
          `${(x.anon / 1024).toFixed(1)} MiB`,
          loadProcs.has(n) ? `${(loadProcs.get(n).rss / 1024).toFixed(1)} MiB` : '',
          loadProcs.has(n) ? `${(loadProcs.get(n).anon / 1024).toFixed(1)} MiB` : '',
        ]),
      ]),
      `processes of the bare container: ${byName(ev.bareProcesses)
        .map(([n, x]) => `${n} ${(x.rss / 1024).toFixed(1)} / ${(x.anon / 1024).toFixed(1)} MiB`)
        .join(', ')}`,
      '',
      `load: ${l.requests} requests in ${l.seconds.toFixed(1)} s (${(l.requests / l.seconds).toFixed(0)} req/s), ${o.loadConcurrency} in flight, ` +
        `p50 ${l.p50?.toFixed(1)} ms, p99 ${l.p99?.toFixed(1)} ms, statuses ${JSON.stringify(l.statuses)}, errors ${l.errors}, ` +
        `friend view ${l.friends}/${l.requests}`,
      `event / bare tailscaled container, idle: usage ${(idle.usage / bare.usage).toFixed(1)}x, working set ${(idle.ws / bare.ws).toFixed(1)}x, ` +
        `anon ${(idle.rss / bare.rss).toFixed(1)}x; event peak under load / bare idle usage ${(ev.loadPeak / bare.usage).toFixed(1)}x`,
      `events per 2 GB VPS = (${VPS_MIB} MiB - ${OVERHEAD_MIB} MiB for the OS and the Docker engine) / per event:`,
      table([
        ['  per event', 'MiB', 'events'],
        ["  cgroup usage, peak under load (counts each event's page cache)", (ev.loadPeak / MiB).toFixed(1), String(eventsLoad)],
        ['  working set, max under load', (ev.loadWsMax / MiB).toFixed(1), String(perVps(ev.loadWsMax))],
        ['  anon, max under load (page cache reclaimable)', (ev.loadAnonMax / MiB).toFixed(1), String(perVps(ev.loadAnonMax))],
        ['  cgroup usage, idle', (idle.usage / MiB).toFixed(1), String(eventsIdle)],
      ]),
    );
    targets.push([
      'events per 2 GB VPS (cgroup usage, peak under load)',
      String(eventsLoad),
      `>= ${TARGET_EVENTS_PER_VPS}`,
      verdict(eventsLoad >= TARGET_EVENTS_PER_VPS),
    ]);
    json.events = { ...ev, vps: { mib: VPS_MIB, overheadMib: OVERHEAD_MIB, eventsIdle, eventsLoad } };
  }

  if (pe) {
    const s = (k) => median(pe.exec[k].ms);
    const b = (k) => median(pe.exec[k].bytes);
    const ratio = b('full') / b('nopeers');
    const ins = (k) => median(pe.inside.ms[k]);
    report.push(
      '',
      `(2) peers: ${pe.seen.online} nodes online in headscale (1 measured node + ${pe.containers.map((c) => `${c.nodes}`).join(' + ')} tailscaled in ${pe.containers.length} container(s)), ` +
        `${pe.seen.peersOnline} online peers at the measured node, connected after ${sec(pe.joinMs)}`,
      `peer containers' memory: ${pe.containerMemory.map((c) => `${c.nodes} nodes ${mib(c.usage)} (anon ${mib(c.rss)})`).join(', ')}`,
      table([
        [`${o.runs} runs each, interleaved`, 'bytes', 'median', 'min', 'max'],
        ...[
          ['docker exec … tailscale status --json', 'full'],
          ['docker exec … tailscale status --json --peers=false', 'nopeers'],
          ['docker exec … true (the exec alone)', 'true'],
        ].map(([label, k]) => [
          label,
          String(b(k)),
          `${s(k).toFixed(1)} ms`,
          `${Math.min(...pe.exec[k].ms).toFixed(1)} ms`,
          `${Math.max(...pe.exec[k].ms).toFixed(1)} ms`,
        ]),
        ['inside the container: tailscale status --json', String(pe.inside.bytes.full), `${ins('full').toFixed(1)} ms`, '', ''],
        [
          'inside the container: tailscale status --json --peers=false',
          String(pe.inside.bytes.nopeers),
          `${ins('nopeers').toFixed(1)} ms`,
          '',
          '',
        ],
      ]),
      `peers in the full output: ${pe.peersInOutput}; --peers=false keeps BackendState ${pe.selfOnly.BackendState}, Self ${pe.selfOnly.Self ? 'yes' : 'no'}, Peer ${pe.selfOnly.Peer ? 'yes' : 'none'}`,
      `bytes full / peers off: ${ratio.toFixed(1)}x (${((b('full') - b('nopeers')) / Math.max(1, pe.peersInOutput)).toFixed(0)} bytes per peer); ` +
        `time full / peers off: ${(s('full') / s('nopeers')).toFixed(2)}x by docker exec, ${(ins('full') / ins('nopeers')).toFixed(2)}x inside; ` +
        `above the exec alone: ${(s('full') - s('true')).toFixed(1)} vs ${(s('nopeers') - s('true')).toFixed(1)} ms`,
    );
    targets.push([
      `status output, peers off vs full, ${pe.seen.online} nodes`,
      `${ratio.toFixed(1)}x smaller`,
      `>= ${TARGET_PEERS_RATIO}x`,
      verdict(ratio >= TARGET_PEERS_RATIO),
    ]);
    json.peers = pe;
  }
  report.push('', table(targets), '', '(a report, not a test: exit status 0 whether targets pass or miss)');
  process.stdout.write(`${report.join('\n')}\n`);
  if (o.out) writeFileSync(o.out, JSON.stringify(json, null, 2));
}

await runBench({ name: 'tailnet', parse: parseArgs, main, cleanup, log });
