#!/usr/bin/env node
// bench/up: how fast `demo-fleet up` converges the engine, next to docker-compose 1.29 doing the same
// work from the same rendered compose file. A REPORT, not a test: prints numbers, targets and PASS/MISS
// and exits 0 either way (1 only when the benchmark itself could not run). Start it with
// bench/up/run.sh (which adds an EXIT trap that cleans up even after a crash); see bench/README.md.
//
//   (a) cold start of N events (default 20), from zero containers, image built + tagged beforehand:
//       `demo-fleet up --no-wait` vs `docker-compose -p <project> -f compose/docker-compose.yml up -d
//       --no-build`, alternating, median of --repeats; plus `demo-fleet up` until every event is served.
//   (b) no-op `demo-fleet up` with M events (default 50) running and served: median of --noop-repeats,
//       and from the --json output + the engine: containers touched (must be 0) and built (must be
//       false); one more no-op through a request-counting socket proxy: engine requests and exec calls;
//       what one readiness look (inspect + exec) costs, from a bare API client (exec-look.mjs).
//   (c) image builds over the whole run (must be 1): `built: true` in every --json output, and one
//       image ID behind every tag of the run's repo.
// Everything runs on the test base demo-fleet-test/base:tailnet (test/fixtures/tailnet-model: a MODEL
// of the docker-mod, tailscaled and the tailnet; its tailscale/tailscaled are Node scripts), every event
// with an auth key from the environment, so `up` sees each node join and serve like a real start.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { benchArgs } from '../lib/args.mjs';
import { cleanupAttempts, runBench } from '../lib/run-bench.mjs';
import { timed as timedRun } from '../lib/timed.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
// On base:fixture there is no `tailscale` at all, so `up` would wait for serve until --wait-timeout.
const BASE_IMAGE = 'demo-fleet-test/base:tailnet';
const BASE_IMAGE_BUILD = 'test/fixtures/tailnet-model/build.sh'; // builds base:fixture under it too
/** Every event's authKey is {env: AUTH_KEY_VAR}; the model accepts any non-empty key. */
const AUTH_KEY_VAR = 'BENCH_UP_AUTH_KEY';
const CHILD_TIMEOUT_MS = 240_000;
/** `up` until served, for the bring-up of (b): --wait-timeout, and the child's own limit above it. */
const SERVE_WAIT_S = 300;
/** Pause before each timed run (not counted), so the previous teardown's work has drained. */
const SETTLE_MS = 2000;

// ---------------------------------------------------------------------------------------------
// options

function parseArgs(argv) {
  const o = benchArgs(
    argv,
    {
      repeats: { kind: 'int', default: 3 },
      'gated-repeats': { kind: 'int', default: 2 },
      'noop-repeats': { kind: 'int', default: 5 },
      'cold-events': { kind: 'int', default: 20 },
      'noop-events': { kind: 'int', default: 50 },
      profile: { kind: 'flag', default: false },
      'cold-default-health': { kind: 'flag', default: false },
      'cpu-prof-dir': { kind: 'path', default: null },
      out: { kind: 'path', default: null },
      compare: { kind: 'path', default: null },
      'cleanup-only': { kind: 'flag', default: false },
    },
    [
      'usage: bench/up/run.sh [options]',
      '  --repeats N        cold-start runs per variant (default 3)',
      '  --gated-repeats N  cold `up` runs that wait until every event is served (default 2)',
      '  --noop-repeats N   no-op up runs, with and without --no-wait (default 5)',
      '  --cold-events N    events in the cold-start fleet (default 20)',
      '  --noop-events N    events running for the no-op up (default 50)',
      '  --profile          also: up --concurrency N, the bare-API engine floor, import costs,',
      '                     CPU profiles and engine API request counts (takes longer)',
      '  --cpu-prof-dir D   keep the .cpuprofile files in D (with --profile)',
      "  --cold-default-health  (a) with the default 10 s probe interval instead of 1 s ((a') keeps 1 s)",
      '  --out FILE         also write the numbers as JSON',
      "  --compare DIR      (b) also times another build's CLI (DIR/dist/bin, built) on the same fleet,",
      '                     interleaved with ours; both run our dist/image and templates (same image)',
    ].join('\n'),
  );
  if (o.noopEvents < o.coldEvents) throw new Error('--noop-events must be >= --cold-events');
  return o;
}

const RUN_ID = process.env.BENCH_RUN_ID || `${Date.now().toString(36).slice(-5)}${Math.random().toString(16).slice(2, 6)}`;
const FLEET = `bu-${RUN_ID}`;
const REPO = `demo-fleet-bench/${FLEET}`;
const PROJECT = `bench-${FLEET}`;
const LOCK = `demo-fleet-lock-${FLEET}`;

const log = (line) => process.stderr.write(`[bench/up] ${line}\n`);
/** Networks the engine refused to remove (see composeDown). */
const leakedNetworks = new Set();

// ---------------------------------------------------------------------------------------------
// processes

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();
}
const docker = (...args) => sh('docker', args);
const lines = (s) => s.split('\n').filter(Boolean);

/** `timed` (bench/lib/timed.mjs) and, with `cpu`, the CPU time through GNU time. */
/** GNU time, when installed: the CPU time (user + sys) of the timed process and its children. */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
let cpuFileSeq = 0;

async function timed(cmd, args, { cwd, env, cpu = false, timeoutMs = CHILD_TIMEOUT_MS } = {}) {
  const cpuFile = cpu && GNU_TIME && process.env.BENCH_TMP ? path.join(process.env.BENCH_TMP, `cpu-${++cpuFileSeq}.txt`) : null;
  const argv = cpuFile ? [GNU_TIME, '-f', '%U %S', '-o', cpuFile, cmd, ...args] : [cmd, ...args];
  const r = await timedRun(argv[0], argv.slice(1), { cwd, env, timeoutMs });
  let cpuMs = null;
  if (cpuFile) {
    const m = readFileSync(cpuFile, 'utf8')
      .trim()
      .split('\n')
      .at(-1)
      .match(/^([\d.]+) ([\d.]+)$/);
    if (m) cpuMs = (Number(m[1]) + Number(m[2])) * 1000;
  }
  return { ...r, cmd: [cmd, ...args].join(' '), cpuMs };
}

function must(r, what) {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.cmd}\n${r.stderr.slice(-2000)}`);
  return r;
}

function jsonOf(r, what) {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`${what}: stdout is not JSON:\n${r.stdout.slice(0, 500)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// what we created, and its removal

function fleetContainers() {
  // name ^/<fleet>- (ours and compose's: same container_name), plus anything carrying our labels
  const ids = new Set([
    ...lines(docker('ps', '-aq', '--no-trunc', '--filter', `name=^/${FLEET}-`)),
    ...lines(docker('ps', '-aq', '--no-trunc', '--filter', `label=dev.demo-fleet.fleet=${FLEET}`)),
    ...lines(docker('ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${PROJECT}`)),
  ]);
  if (ids.size === 0) return [];
  const fmt =
    '{{.Id}}\t{{.Name}}\t{{.State.Status}}\t{{.State.StartedAt}}\t{{.Image}}\t' +
    '{{index .Config.Labels "dev.demo-fleet.fleet"}}\t{{index .Config.Labels "com.docker.compose.project"}}';
  const out = [];
  for (const l of lines(docker('inspect', '-f', fmt, ...ids))) {
    const [id, name, state, startedAt, image, fleetLabel, project] = l.split('\t').map((f) => (f === '<no value>' ? '' : f));
    out.push({ id, name: name.replace(/^\//, ''), state, startedAt, image, fleetLabel, project });
  }
  return out;
}

function cleanup() {
  const { problems, attempt } = cleanupAttempts();
  attempt('containers', () => {
    const ids = new Set([
      ...lines(docker('ps', '-aq', '--filter', `name=^/${FLEET}-`)),
      ...lines(docker('ps', '-aq', '--filter', `label=dev.demo-fleet.fleet=${FLEET}`)),
      ...lines(docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`)),
      ...lines(docker('ps', '-aq', '--filter', `name=^/${LOCK}$`)),
      // the audit log's carrier of the run's appdata (cli/targets/docker/audit-store.ts)
      ...(process.env.BENCH_TMP
        ? lines(
            docker('ps', '-a', '--filter', 'label=dev.demo-fleet.role=audit', '--format', '{{.ID}} {{.Label "dev.demo-fleet.audit-dir"}}'),
          )
            .filter((l) => l.split(' ')[1]?.startsWith(`${process.env.BENCH_TMP}/`))
            .map((l) => l.split(' ')[0])
        : []),
    ]);
    if (ids.size) docker('rm', '-f', ...ids);
  });
  attempt('networks', () => {
    const ids = lines(docker('network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`));
    try {
      if (ids.length) docker('network', 'rm', ...ids);
    } catch (e) {
      if (!/has active endpoints/.test(String(e.stderr))) throw e;
      throw new Error(
        `the engine keeps the empty network ${PROJECT}_default ("has active endpoints" with no containers: moby/moby#42119); ` +
          `it goes with \`docker network rm ${PROJECT}_default\` after the next dockerd restart`,
      );
    }
  });
  attempt('images', () => {
    const refs = lines(docker('images', REPO, '--format', '{{.Repository}}:{{.Tag}}')).filter((r) => !r.endsWith(':<none>'));
    const ids = lines(docker('images', REPO, '-q', '--no-trunc'));
    if (refs.length) docker('rmi', ...refs);
    const left = [...new Set(ids)].filter((id) => {
      try {
        docker('image', 'inspect', id);
        return true;
      } catch {
        return false;
      }
    });
    if (left.length) docker('rmi', '-f', ...left);
  });
  const tmp = process.env.BENCH_TMP;
  if (tmp && path.basename(tmp).startsWith('demo-fleet-bench-up.'))
    attempt('temp dir', () => rmSync(tmp, { recursive: true, force: true }));
  return problems;
}

// ---------------------------------------------------------------------------------------------
// statistics and printing

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const list = (xs) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');

function stepKey(name) {
  return name.replace(/ \d+ (event|tag)\(s\).*$/, '').replace(/,.*$/, '');
}

/** Per-step durations of one run: from this `==> step` line to the next (last: to process exit). */
function stepDurations(r) {
  const d = { startup: r.steps[0]?.t ?? r.ms };
  r.steps.forEach((s, i) => {
    const end = i + 1 < r.steps.length ? r.steps[i + 1].t : r.ms;
    d[stepKey(s.name)] = (d[stepKey(s.name)] ?? 0) + (end - s.t);
  });
  return d;
}

function medianSteps(runs) {
  const keys = [];
  for (const r of runs) for (const k of Object.keys(stepDurations(r))) if (!keys.includes(k)) keys.push(k);
  return keys.map((k) => [k, median(runs.map((r) => stepDurations(r)[k] ?? 0))]);
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

// ---------------------------------------------------------------------------------------------
// the benchmark

async function main(o) {
  const tmp = process.env.BENCH_TMP || mkdtempSync(path.join(os.tmpdir(), 'demo-fleet-bench-up.'));
  process.env.BENCH_TMP = tmp;
  const started = new Date();
  const loadStart = os.loadavg()[0];
  log(`run ${RUN_ID}: fleet ${FLEET}, image repo ${REPO}, compose project ${PROJECT}, temp ${tmp}`);

  // --- preconditions
  try {
    docker('info', '--format', '{{.ServerVersion}}');
  } catch {
    throw new Error('no Docker engine answers (docker info failed)');
  }
  const composeVersion = sh('docker-compose', ['version', '--short']);
  const engineVersion = docker('version', '--format', '{{.Server.Version}}');
  if (!existsSync(path.join(ROOT, 'dist/bin/demo-fleet.mjs')) || !existsSync(path.join(ROOT, 'dist/image/server.cjs'))) {
    log('dist/ is missing: npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  }
  log(`base image ${BASE_IMAGE}: ${BASE_IMAGE_BUILD}`);
  execFileSync(path.join(ROOT, BASE_IMAGE_BUILD), [], { stdio: ['ignore', 'ignore', 2] });

  // --- a private copy of the built CLI: other people rebuilding dist/ or committing while this runs
  // must not change the image's context hash or revision tag halfway (that would be a second build
  // that is not demo-fleet's fault). Outside git the tag is ctx-<context hash>: stable for the run.
  const cliRoot = path.join(tmp, 'cli');
  mkdirSync(cliRoot);
  for (const p of ['package.json', 'dist', 'templates']) cpSync(path.join(ROOT, p), path.join(cliRoot, p), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(cliRoot, 'node_modules'));
  const CLI = path.join(cliRoot, 'dist/bin/demo-fleet.mjs');
  // --compare: the other build's CLI, with our image context (dist/image, templates), so both plan the same
  // image revision and a no-op of one is a no-op of the other
  let otherCli = null;
  if (o.compare) {
    const otherRoot = path.join(tmp, 'cli-compare');
    mkdirSync(otherRoot);
    for (const p of ['package.json', 'dist/bin']) cpSync(path.join(o.compare, p), path.join(otherRoot, p), { recursive: true });
    for (const p of ['dist/image', 'templates']) cpSync(path.join(ROOT, p), path.join(otherRoot, p), { recursive: true });
    symlinkSync(path.join(o.compare, 'node_modules'), path.join(otherRoot, 'node_modules'));
    otherCli = path.join(otherRoot, 'dist/bin/demo-fleet.mjs');
    log(`--compare: ${o.compare} (its dist/bin, built ${statSync(path.join(o.compare, 'dist/bin/demo-fleet.mjs')).mtime.toISOString()})`);
  }
  const fleetDir = path.join(tmp, 'fleet');
  mkdirSync(fleetDir);
  // the fleet file is ./fleet.yaml in fleetDir; the revision is the snapshot's (no GITHUB_* pinning)
  // the events' auth key: render writes it to each event's 0600 env file, which compose reads too
  const env = { ...process.env, [AUTH_KEY_VAR]: 'tskey-auth-bench' };
  for (const k of ['DEMO_FLEET_FILE', 'GITHUB_SHA', 'GITHUB_REF_TYPE', 'GITHUB_REF_NAME']) delete env[k];
  const df = (args, { timeoutMs } = {}) => timed(process.execPath, [CLI, ...args], { cwd: fleetDir, env, cpu: true, timeoutMs });
  const composeFile = path.join(fleetDir, 'compose/docker-compose.yml');
  const compose = (args) => timed('docker-compose', ['-p', PROJECT, '-f', composeFile, ...args], { cwd: fleetDir, cpu: true });

  must(await df(['init', '--name', FLEET, '--image', REPO]), 'demo-fleet init');
  const initText = readFileSync(path.join(fleetDir, 'fleet.yaml'), 'utf8');
  if (!/^events: \{\}$/m.test(initText)) throw new Error('fleet.yaml from init has no "events: {}" line');
  if (!/^year: \d{4}$/m.test(initText)) throw new Error('fleet.yaml from init has no "year:" line');
  // the events' node state (<appdata>/<year>/<event>, bind mounts the engine creates): removed before
  // every cold start, so each one is a first join for both tools
  const appdata = path.join(fleetDir, 'appdata');
  const forgetNodes = () => rmSync(appdata, { recursive: true, force: true });
  const eventNames = (n) => Array.from({ length: n }, (_, i) => `e${String(i + 1).padStart(2, '0')}`);
  // (a): health probes every 1 s, so `up` to served measures demo-fleet rather than the probe interval
  // (served needs the app healthy too); the default 2 min start period, so a slow start (the model's
  // docker-mod, tailscaled and `tailscale up` before the app) on a busy machine is "starting".
  // (b): the fleet file's defaults (interval 10 s, start period 2 min), as a real fleet runs (50
  // containers probing every second would themselves keep 2 cores busy while the no-op is timed).
  const FAST_HEALTH = { interval: '1s' };
  // (a) without waiting: --cold-default-health takes the probes out of the engine's load
  const COLD_HEALTH = o.coldDefaultHealth ? null : FAST_HEALTH;
  const NOOP_HEALTH = null;
  const setEvents = (n, health) =>
    writeFileSync(
      path.join(fleetDir, 'fleet.yaml'),
      initText.replace(
        /^events: \{\}$/m,
        `${
          health
            ? `health:\n${Object.entries(health)
                .map(([k, v]) => `  ${k}: ${v}`)
                .join('\n')}\n`
            : ''
        }events:\n${eventNames(n)
          .map((e) => `  ${e}: { authKey: { env: ${AUTH_KEY_VAR} } }`)
          .join('\n')}`,
      ),
    );
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));

  const builds = []; // every `built` a demo-fleet --json output reported, with what ran
  const noteBuilt = (what, j) => builds.push({ what, built: j.built === true, id: j.id ?? j.imageId });

  // --- the one build (and the per-event tags), and the compose file both sides run from
  setEvents(o.coldEvents, COLD_HEALTH);
  log(`build the image once and tag ${o.coldEvents} events (demo-fleet build)`);
  const build = must(await df(['build', '--base-image', BASE_IMAGE, '--json']), 'demo-fleet build');
  const buildJson = jsonOf(build, 'demo-fleet build');
  noteBuilt('build', buildJson);
  const imageId = buildJson.id;
  must(await df(['render']), 'demo-fleet render');

  const assertClean = (before) => {
    const left = fleetContainers();
    if (left.length)
      throw new Error(`${before}: ${left.length} container(s) of the run still exist: ${left.map((c) => c.name).join(', ')}`);
    if (lines(docker('ps', '-aq', '--filter', `name=^/${LOCK}$`)).length) throw new Error(`${before}: lock container ${LOCK} exists`);
  };
  /** The containers after a cold start: n running, all the run's image, all made by `tool`. */
  const checkStarted = (tool, n) => {
    const cs = fleetContainers();
    const running = cs.filter((c) => c.state === 'running');
    const problems = [];
    if (cs.length !== n) problems.push(`${cs.length} containers, expected ${n}`);
    if (running.length !== n) problems.push(`${running.length} running, expected ${n}`);
    if (cs.some((c) => c.image !== imageId)) problems.push('a container runs another image');
    if (cs.some((c) => c.fleetLabel !== FLEET)) problems.push('a container lacks the fleet label');
    if (tool === 'compose' && cs.some((c) => c.project !== PROJECT)) problems.push('a container is not in the compose project');
    if (tool === 'demo-fleet' && cs.some((c) => c.project)) problems.push('a demo-fleet container carries a compose project label');
    if (problems.length) throw new Error(`${tool} cold start: ${problems.join('; ')}`);
    return running.length;
  };
  // teardown is not timed: stop everything at once
  const dfDown = async () => must(await df(['down', '--json', '--concurrency', '64']), 'demo-fleet down');
  // dockerd 20.10 can keep a project network's endpoint count above zero when a container is removed
  // while its exit is still being cleaned up ("network ... has active endpoints" with no containers,
  // moby/moby#42119): the empty network then stays until dockerd restarts. So compose's teardown
  // (not timed) goes stop -> wait until every container has left its network -> down. Should the
  // engine still refuse, the run goes on (the next `up` reuses the network) and the report says so.
  const composeDown = async () => {
    const t0 = performance.now();
    must(await compose(['stop', '--timeout', '10']), 'docker-compose stop');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ids = fleetContainers().map((c) => c.id);
      const busy = ids.length
        ? lines(docker('inspect', '-f', '{{.State.Status}} {{range .NetworkSettings.Networks}}{{.EndpointID}}{{end}}', ...ids)).filter(
            (l) => l.trim() !== 'exited',
          )
        : [];
      if (busy.length === 0 || Date.now() > deadline) break;
      await pause(250);
    }
    const r = await compose(['down', '--timeout', '10']);
    if (r.code !== 0 && /has active endpoints/.test(r.stderr) && fleetContainers().length === 0) {
      leakedNetworks.add(`${PROJECT}_default`);
      log(`  warning: docker-compose down left the empty network ${PROJECT}_default ("has active endpoints", moby/moby#42119)`);
    } else must(r, 'docker-compose down');
    return { ...r, ms: performance.now() - t0 };
  };

  // --- (a) cold start, variants interleaved (the order rotates each round); teardown is not timed
  const N = o.coldEvents;
  const variants = [
    { key: 'df', label: 'demo-fleet up --no-wait', kind: 'df', flags: ['--no-wait'] },
    { key: 'compose', label: 'docker-compose up -d --no-build', kind: 'compose' },
  ];
  if (o.profile) {
    variants.push(
      { key: 'dfAll', label: `demo-fleet up --no-wait --concurrency ${N}`, kind: 'df', flags: ['--no-wait', '--concurrency', String(N)] },
      { key: 'floor', label: `engine floor (bare API client, ${N} at once)`, kind: 'floor', flags: [] },
      { key: 'floorBare', label: `engine alone: ${N} x sleep, no net/health (bare client)`, kind: 'floor', flags: ['--bare'] },
    );
  }
  const cold = Object.fromEntries(variants.map((v) => [v.key, { ms: [], runs: [], counts: [] }]));
  const runColdDf = async (v, i, what) => {
    const r = must(await df(['up', ...v.flags, '--json', '--base-image', BASE_IMAGE]), `demo-fleet up ${v.flags.join(' ')}`);
    const j = jsonOf(r, 'demo-fleet up');
    noteBuilt(`${what} #${i}`, j);
    const kinds = new Set(j.plan.map((a) => a.action));
    if (kinds.size !== 1 || !kinds.has('create') || j.results.some((x) => !x.ok)) {
      throw new Error(`${v.label}: unexpected plan/results ${JSON.stringify(j.results.map((x) => `${x.event}:${x.action}:${x.status}`))}`);
    }
    if (!v.flags.includes('--no-wait') && j.results.some((x) => !x.status.startsWith('served ') || !x.url)) {
      throw new Error(`${v.label}: not all served: ${JSON.stringify(j.results.map((x) => `${x.event}: ${x.status}`))}`);
    }
    return r;
  };
  const runCold = async (v, i, what = 'cold up') => {
    assertClean(`before ${v.label} #${i}`);
    forgetNodes();
    await pause(SETTLE_MS);
    let r;
    if (v.kind === 'df') r = await runColdDf(v, i, [what, ...v.flags].join(' '));
    else if (v.kind === 'compose') {
      r = must(await compose(['up', '-d', '--no-build']), 'docker-compose up -d');
      if (/Pulling|Building/.test(r.stderr)) throw new Error(`docker-compose pulled or built:\n${r.stderr}`);
    } else {
      const f = must(
        await timed(process.execPath, [path.join(HERE, 'floor.mjs'), cliRoot, path.join(fleetDir, 'fleet.yaml'), ...v.flags], {
          cwd: fleetDir,
          env,
        }),
        'floor.mjs',
      );
      r = { ...f, ms: JSON.parse(f.stdout).ms };
    }
    const c = cold[v.key];
    c.counts.push(checkStarted(v.kind === 'compose' ? 'compose' : 'demo-fleet', N));
    c.ms.push(r.ms);
    c.runs.push(r);
    const down = v.kind === 'compose' ? await composeDown() : await dfDown();
    log(`  ${v.label.padEnd(48)} #${i}: ${sec(r.ms)} (${N} running; teardown ${sec(down.ms)}, not counted)`);
  };
  log(`(a) cold start of ${N} events, ${o.repeats}x each, interleaved: ${variants.map((v) => v.label).join(' | ')}`);
  for (let i = 1; i <= o.repeats; i++) {
    for (let k = 0; k < variants.length; k++) await runCold(variants[(k + i - 1) % variants.length], i);
  }

  // --- (a') cold `demo-fleet up` as it runs by default: until every event is served on the tailnet
  // (node Running, serve pointing :443 at the app, app healthy)
  const gatedVariants = [{ key: 'served', label: 'demo-fleet up (to served)', kind: 'df', flags: [] }];
  if (o.profile)
    gatedVariants.push({
      key: 'servedAll',
      label: `demo-fleet up --concurrency ${N} (to served)`,
      kind: 'df',
      flags: ['--concurrency', String(N)],
    });
  for (const v of gatedVariants) cold[v.key] = { ms: [], runs: [], counts: [] };
  setEvents(N, FAST_HEALTH);
  log(`(a') cold demo-fleet up of ${N} events until served, ${o.gatedRepeats}x`);
  for (let i = 1; i <= o.gatedRepeats; i++) {
    for (let k = 0; k < gatedVariants.length; k++) await runCold(gatedVariants[(k + i - 1) % gatedVariants.length], i, 'cold up');
  }

  // --- (b) no-op up of M running, served events. Brought up with --no-wait, then one `up` (not timed,
  // every action keep) waits until all are served: with the default 10 s probe interval, a cold `up` of
  // 50 that waits would mostly measure the interval.
  setEvents(o.noopEvents, NOOP_HEALTH);
  log(
    `(b) bring ${o.noopEvents} events up (up --no-wait, then up until served), then no-op up ${o.noopRepeats}x with and without --no-wait`,
  );
  assertClean('before bringing the no-op fleet up');
  forgetNodes();
  const grow = must(await df(['up', '--no-wait', '--json', '--base-image', BASE_IMAGE]), 'demo-fleet up --no-wait (bring-up)');
  const growJson = jsonOf(grow, 'demo-fleet up (bring-up)');
  noteBuilt(`cold up --no-wait of ${o.noopEvents}`, growJson);
  if (growJson.results.some((x) => !x.ok)) throw new Error('bringing the no-op fleet up failed');
  const grown = { ms: grow.ms, create: growJson.plan.filter((a) => a.action === 'create').length };
  const serveWait = await df(['up', '--json', '--base-image', BASE_IMAGE, '--wait-timeout', String(SERVE_WAIT_S)], {
    timeoutMs: (SERVE_WAIT_S + 60) * 1000,
  });
  const serveJson = jsonOf(serveWait, 'demo-fleet up (until served)');
  noteBuilt(`up until ${o.noopEvents} served`, serveJson);
  // an event already listed healthy when this up listed it is kept without a look (cli/converge/apply.ts)
  const unserved = serveJson.results.filter((x) => !x.ok || !(x.status.startsWith('served ') || x.status === 'kept (healthy)'));
  if (serveWait.code !== 0 || unserved.length)
    throw new Error(
      `no-op fleet not served after ${sec(serveWait.ms)} (exit ${serveWait.code}): ${unserved.map((x) => `${x.event}: ${x.status}`).join('; ')}`,
    );
  log(`  ${o.noopEvents} created in ${sec(grow.ms)}, all served ${sec(serveWait.ms)} later`);
  await pause(SETTLE_MS);
  const snapshot = () => new Map(fleetContainers().map((c) => [c.name, `${c.id} ${c.startedAt} ${c.state}`]));
  const before = snapshot();
  if (before.size !== o.noopEvents) throw new Error(`expected ${o.noopEvents} containers before the no-op runs, found ${before.size}`);
  const noop = {
    wait: [],
    noWait: [],
    runs: [],
    noWaitRuns: [],
    touched: [],
    built: [],
    actions: [],
    version: [],
    otherVersion: [],
    status: [],
    otherStatus: [],
    other: [],
    otherRuns: [],
  };
  const noopOnce = async (i, flags, into, cli = CLI) => {
    const r = must(
      await timed(process.execPath, [cli, 'up', '--json', '--base-image', BASE_IMAGE, ...flags], { cwd: fleetDir, env, cpu: true }),
      `demo-fleet up ${flags.join(' ')} (no-op${cli === CLI ? '' : ', --compare'})`,
    );
    const j = jsonOf(r, 'no-op up');
    noteBuilt(`no-op up ${flags.join(' ')} #${i}`.replace('  ', ' '), j);
    // kept and listed healthy: up does not look inside again (see cli/converge/apply.ts)
    const bad = j.results.filter(
      (x) => !x.ok || (!flags.includes('--no-wait') && !x.status.startsWith('served ') && x.status !== 'kept (healthy)'),
    );
    if (bad.length) throw new Error(`no-op up ${flags.join(' ')}: ${bad.map((x) => `${x.event}: ${x.status}`).join('; ')}`);
    const after = snapshot();
    const touched = new Set(j.plan.filter((a) => a.action !== 'keep').map((a) => `${FLEET}-${a.event}`));
    for (const [name, sig] of before) if (after.get(name) !== sig) touched.add(name);
    for (const name of after.keys()) if (!before.has(name)) touched.add(name);
    noop.touched.push(touched.size);
    noop.built.push(j.built);
    noop.actions.push([...new Set(j.plan.map((a) => a.action))].join('/'));
    into.push(r.ms);
    if (cli === CLI) (flags.length ? noop.noWaitRuns : noop.runs).push(r);
    else noop.otherRuns.push(r);
    log(
      `  ${cli === CLI ? 'demo-fleet' : '--compare '} up ${flags.join(' ').padEnd(10)} no-op #${i}: ${sec(r.ms)}, actions ${noop.actions.at(-1)}, touched ${touched.size}, built ${j.built}`,
    );
  };
  // the floor in the same run: node starting the CLI and printing its version (no engine, no fleet file)
  const versionOnce = async (cli, into) => {
    const r = must(await timed(process.execPath, [cli, '--version'], { cwd: fleetDir, env, cpu: true }), 'demo-fleet --version');
    into.push(r.ms);
  };
  // `status` of the served fleet (exit 0: every event running and healthy)
  const statusOnce = async (cli, into) => {
    const r = must(await timed(process.execPath, [cli, 'status', '--json'], { cwd: fleetDir, env, cpu: true }), 'demo-fleet status');
    into.push(r.ms);
  };
  for (let i = 1; i <= o.noopRepeats; i++) {
    await noopOnce(i, [], noop.wait);
    await noopOnce(i, ['--no-wait'], noop.noWait);
    if (otherCli) await noopOnce(i, [], noop.other, otherCli);
    await versionOnce(CLI, noop.version);
    await statusOnce(CLI, noop.status);
    if (otherCli) {
      await versionOnce(otherCli, noop.otherVersion);
      await statusOnce(otherCli, noop.otherStatus);
    }
  }

  // --- (b') what a no-op asks the engine: one more of each through a request-counting socket proxy
  // (not in the medians above), then the readiness looks alone from a bare client
  const engineSock = (process.env.DOCKER_HOST || 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
  const counted = async (name, flags) => {
    const proxy = await countingProxy(path.join(tmp, `${name}.sock`), engineSock);
    try {
      const r = must(
        await timed(process.execPath, [CLI, 'up', '--json', '--base-image', BASE_IMAGE, ...flags], {
          cwd: fleetDir,
          env: { ...env, DOCKER_HOST: `unix://${proxy.path}` },
        }),
        `demo-fleet up ${flags.join(' ')} (no-op, counted)`,
      );
      const j = jsonOf(r, 'no-op up (counted)');
      noteBuilt(`no-op up ${flags.join(' ')} (counted)`.replace('  ', ' '), j);
      return { ms: r.ms, ...proxy.counts() };
    } finally {
      await proxy.close();
    }
  };
  log('(b) one no-op up and one up --no-wait through a request-counting socket proxy');
  noop.requests = { wait: await counted('noop-count', []), noWait: await counted('noop-count-nowait', ['--no-wait']) };
  const afterCounted = snapshot();
  noop.touchedCounted =
    [...before].filter(([name, sig]) => afterCounted.get(name) !== sig).length +
    [...afterCounted.keys()].filter((n) => !before.has(n)).length;
  log(
    `  no-op up: ${noop.requests.wait.total} engine requests, ${noop.requests.wait.execs} exec; --no-wait: ${noop.requests.noWait.total}, ${noop.requests.noWait.execs} exec`,
  );
  // the looks alone: inspect + exec of the probe, of `true`, and the inspect only, 8 at once like
  // apply.ts; interleaved, median of 3
  const lookKinds = [
    ['probe', ['--cmd', 'probe']],
    ['true', ['--cmd', 'true']],
    ['inspect', ['--no-exec']],
  ];
  const looks = Object.fromEntries(lookKinds.map(([k]) => [k, []]));
  for (let i = 0; i < 3; i++) {
    for (const [k, flags] of lookKinds) {
      await pause(500);
      const r = must(
        await timed(process.execPath, [path.join(HERE, 'exec-look.mjs'), FLEET, '--concurrency', '8', ...flags], { env }),
        `exec-look.mjs ${k}`,
      );
      const j = JSON.parse(r.stdout);
      if (j.failed || j.looks !== o.noopEvents) throw new Error(`exec-look.mjs ${k}: ${r.stdout.trim()}`);
      looks[k].push(j.ms);
    }
  }
  log(
    `  ${o.noopEvents} looks, 8 at once: probe ${list(looks.probe)} s, \`true\` ${list(looks.true)} s, inspect only ${list(looks.inspect)} s`,
  );

  // --- where the time goes: fixed costs, and optional CPU profiles
  const fixed = { node: [], version: [], versionRuns: [], composeVersion: [] };
  for (let i = 0; i < 3; i++) {
    fixed.node.push(must(await timed(process.execPath, ['-e', '0']), 'node -e 0').ms);
    fixed.versionRuns.push(must(await df(['--version']), 'demo-fleet --version'));
    fixed.version.push(fixed.versionRuns.at(-1).ms);
    fixed.composeVersion.push(must(await timed('docker-compose', ['version', '--short']), 'docker-compose version').ms);
  }

  // --- profile mode: import costs, CPU profiles and engine API calls of one no-op and one cold up
  let imports = null;
  let profiles = null;
  if (o.profile) {
    imports = [];
    for (const spec of [
      'commander',
      'zod',
      'yaml',
      'proper-lockfile',
      'tar-stream',
      'dockerode',
      './dist/cli/commands/index.js',
      './dist/cli/deploy/up.js',
    ]) {
      const xs = [];
      for (let i = 0; i < 3; i++) xs.push(await importCost(cliRoot, spec));
      imports.push([spec, median(xs)]);
    }
    const profDir = o.cpuProfDir ?? path.join(tmp, 'profiles');
    const profiled = async (name, args) => {
      const proxy = await countingProxy(path.join(tmp, `${name}.sock`), engineSock);
      try {
        const r = must(
          await timed(process.execPath, ['--cpu-prof', '--cpu-prof-dir', path.join(profDir, name), CLI, ...args], {
            cwd: fleetDir,
            env: { ...env, DOCKER_HOST: `unix://${proxy.path}` },
          }),
          `profiled ${name}`,
        );
        return { ms: r.ms, cpu: summarizeProfile(path.join(profDir, name)), calls: proxy.summary() };
      } finally {
        await proxy.close();
      }
    };
    log('profile: no-op up and cold up --no-wait under --cpu-prof, through a request-counting socket proxy');
    profiles = {};
    profiles[`no-op up, ${o.noopEvents} running`] = await profiled('noop-up', ['up', '--json', '--base-image', BASE_IMAGE]);
    await dfDown();
    setEvents(N, COLD_HEALTH);
    await pause(SETTLE_MS);
    profiles[`cold up --no-wait, ${N} events`] = await profiled('cold-up', ['up', '--no-wait', '--json', '--base-image', BASE_IMAGE]);
  }

  // --- (c) builds over the whole run
  const tags = lines(docker('images', REPO, '--format', '{{.Tag}}\t{{.ID}}'));
  const imageIds = new Set(lines(docker('images', REPO, '-q', '--no-trunc')));
  const buildsCount = builds.filter((b) => b.built).length;
  // a rebuild would move every tag to a new ID: the ID every output reported and every tag has now
  // must be the one the first build made
  const sameImage = builds.every((b) => b.id === imageId) && imageIds.size === 1 && imageIds.has(imageId);

  // --- report
  const med = (key) => median(cold[key].ms);
  const ratio = med('compose') / med('df');
  const medNoop = median(noop.wait);
  const maxTouched = Math.max(...noop.touched, noop.touchedCounted);
  const req = noop.requests;
  const anyBuilt = noop.built.some(Boolean);
  const verdict = (ok) => (ok ? 'PASS' : 'MISS');
  const targets = [
    ['target', 'measured', 'goal', 'result'],
    [
      'cold up --no-wait vs docker-compose up -d',
      `${ratio.toFixed(2)}x (${sec(med('compose'))} / ${sec(med('df'))})`,
      '>= 2x faster',
      verdict(ratio >= 2),
    ],
    [
      `no-op up, ${o.noopEvents} running and served`,
      `${sec(medNoop)}, ${maxTouched} touched, built ${anyBuilt}, ${req.wait.execs} exec calls`,
      '< 0.3 s, 0 touched, built false',
      verdict(medNoop < 300 && maxTouched === 0 && !anyBuilt),
    ],
    [
      'image builds over the run',
      `${buildsCount} (${tags.length} tags, ${imageIds.size} image ID, ${sameImage ? 'unchanged since the build' : "NOT the first build's"})`,
      '= 1',
      verdict(buildsCount === 1 && sameImage),
    ],
  ];
  const cpuOf = (runs) => {
    const xs = runs.map((r) => r.cpuMs).filter((x) => typeof x === 'number');
    return xs.length ? sec(median(xs)) : '-';
  };
  const numbers = [
    ['measurement', 'median', 'client CPU', 'runs (s)'],
    ...[...variants, ...gatedVariants].map((v) => [
      `${v.label}, cold, ${N} events`,
      sec(med(v.key)),
      cpuOf(cold[v.key].runs),
      list(cold[v.key].ms),
    ]),
    ['  ratio docker-compose / demo-fleet --no-wait', `${ratio.toFixed(2)}x`, '', ''],
    [`demo-fleet up --no-wait, cold, ${o.noopEvents} events (bring-up for b)`, sec(grown.ms), cpuOf([grow]), `${grown.create} create`],
    [`  then demo-fleet up until all ${o.noopEvents} served (not a no-op yet)`, sec(serveWait.ms), cpuOf([serveWait]), ''],
    [`demo-fleet up, no-op, ${o.noopEvents} running`, sec(medNoop), cpuOf(noop.runs), list(noop.wait)],
    [`demo-fleet up --no-wait, no-op, ${o.noopEvents} running`, sec(median(noop.noWait)), cpuOf(noop.noWaitRuns), list(noop.noWait)],
    [`demo-fleet --version (startup floor, same rounds)`, sec(median(noop.version)), '', list(noop.version)],
    [`demo-fleet status, ${o.noopEvents} served (same rounds)`, sec(median(noop.status)), '', list(noop.status)],
    ...(otherCli
      ? [
          [`--compare ${o.compare}: up, no-op, ${o.noopEvents} running`, sec(median(noop.other)), cpuOf(noop.otherRuns), list(noop.other)],
          [`  ours / --compare`, `${((100 * medNoop) / median(noop.other)).toFixed(0)}%`, '', ''],
          [`--compare: --version`, sec(median(noop.otherVersion)), '', list(noop.otherVersion)],
          [`--compare: status, ${o.noopEvents} served`, sec(median(noop.otherStatus)), '', list(noop.otherStatus)],
        ]
      : []),
    [
      'containers touched by the no-op ups (each run)',
      String(maxTouched),
      '',
      `${noop.touched.join(', ')}; counted runs ${noop.touchedCounted}`,
    ],
    [
      '  engine requests of one no-op up (counted, own run)',
      String(req.wait.total),
      '',
      `${req.wait.execs} exec, ${sec(req.wait.ms)} through the proxy`,
    ],
    [
      '  engine requests of one no-op up --no-wait',
      String(req.noWait.total),
      '',
      `${req.noWait.execs} exec, ${sec(req.noWait.ms)} through the proxy`,
    ],
    [`  ${o.noopEvents} readiness looks alone, 8 at once: inspect + exec probe`, sec(median(looks.probe)), '', list(looks.probe)],
    ['    the same with `true` as the command (engine exec overhead)', sec(median(looks.true)), '', list(looks.true)],
    ['    the container inspects alone', sec(median(looks.inspect)), '', list(looks.inspect)],
    ['running containers after each cold start', '', '', variants.map((v) => `${v.key} ${cold[v.key].counts.join('/')}`).join(', ')],
    ['node -e 0 (bare node startup)', sec(median(fixed.node)), '', list(fixed.node)],
    ['demo-fleet --version (CLI startup)', sec(median(fixed.version)), cpuOf(fixed.versionRuns), list(fixed.version)],
    ['docker-compose version (CLI startup)', sec(median(fixed.composeVersion)), '', list(fixed.composeVersion)],
  ];
  const stepRows = (title, runs) => [[title, 'median'], ...medianSteps(runs).map(([k, v]) => [`  ${k}`, sec(v)])];

  const loadEnd = os.loadavg()[0];
  const report = [
    '',
    `bench/up  ${started.toISOString()}  ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Docker ${engineVersion}, docker-compose ${composeVersion}, node ${process.version}`,
    `fleet ${FLEET}: image ${REPO} (${imageId.slice(7, 19)}) on ${BASE_IMAGE}, every event with an auth key; health: (a) ${o.coldDefaultHealth ? 'interval 10s (default)' : 'interval 1s'}; (a') interval 1s; (b) interval 10s; start period 2m (default) throughout`,
    `load average (1 min): ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end${Math.max(loadStart, loadEnd) > os.cpus().length ? '  (busy machine: other work shares the CPUs and the engine; timings are noisy)' : ''}`,
    '',
    table(numbers),
    '',
    table(stepRows(`demo-fleet up --no-wait, cold ${N}: time per step`, cold.df.runs)),
    '',
    table(stepRows(`demo-fleet up (to served), cold ${N}: time per step`, cold.served.runs)),
    '',
    table(stepRows(`demo-fleet up, no-op ${o.noopEvents}: time per step`, noop.runs)),
    '',
    table(stepRows(`demo-fleet up --no-wait, no-op ${o.noopEvents}: time per step`, noop.noWaitRuns)),
    ...(otherCli ? ['', table(stepRows(`--compare up, no-op ${o.noopEvents}: time per step`, noop.otherRuns))] : []),
    '',
    'builds reported by demo-fleet --json outputs:',
    ...builds.map((b) => `  ${b.what.padEnd(44)} built ${b.built}`),
    '',
    'engine requests of one no-op up (counted run):',
    ...Object.entries(req.wait.byKey).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
    'engine requests of one no-op up --no-wait (counted run):',
    ...Object.entries(req.noWait.byKey).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
    `tags of ${REPO}: ${tags.map((t) => t.split('\t')[0]).join(' ')}`,
  ];
  if (imports) {
    report.push(
      '',
      table([['import (alone, fresh process, in-process timer)', 'median'], ...imports.map(([k, v]) => [`  ${k}`, `${v.toFixed(0)} ms`])]),
    );
  }
  if (profiles) {
    for (const [k, p] of Object.entries(profiles)) {
      report.push('', `profiled ${k} (${sec(p.ms)} under --cpu-prof and the proxy):`, ...p.cpu.map((r) => `  ${r}`));
      report.push('  engine API requests:', ...p.calls.map((r) => `  ${r}`));
    }
  }
  if (leakedNetworks.size) {
    report.push(
      '',
      `note: dockerd kept the empty network(s) ${[...leakedNetworks].join(', ')} after docker-compose down (moby/moby#42119); timings unaffected`,
    );
  }
  report.push('', table(targets), '', '(a report, not a test: exit status 0 whether targets pass or miss)');
  process.stdout.write(`${report.join('\n')}\n`);

  if (o.out) {
    writeFileSync(
      o.out,
      JSON.stringify(
        {
          date: started.toISOString(),
          machine: {
            cores: os.cpus().length,
            memGB: Math.round(os.totalmem() / 2 ** 30),
            docker: engineVersion,
            compose: composeVersion,
            node: process.version,
          },
          cold: { events: N, ...Object.fromEntries(Object.entries(cold).map(([k, v]) => [k, v.ms])), ratio },
          noop: {
            events: o.noopEvents,
            bringUpMs: grown.ms,
            servedAfterMs: serveWait.ms,
            waitMs: noop.wait,
            noWaitMs: noop.noWait,
            versionMs: noop.version,
            statusMs: noop.status,
            ...(otherCli
              ? { compare: o.compare, compareMs: noop.other, compareVersionMs: noop.otherVersion, compareStatusMs: noop.otherStatus }
              : {}),
            touched: noop.touched,
            touchedCounted: noop.touchedCounted,
            built: noop.built,
            requests: req,
            looksMs: looks,
          },
          builds: buildsCount,
          imageIds: imageIds.size,
        },
        null,
        2,
      ),
    );
  }
}

/** ` (yaml)`, ` (dockerode, docker-modem, ...)`: what a file of the CLI bundle holds most of, from its esbuild metafile. */
let bundleMeta;
function bundleContents(file) {
  bundleMeta ??= JSON.parse(readFileSync(path.join(ROOT, 'dist/meta/cli-bundle.json'), 'utf8'));
  const inputs = bundleMeta.outputs[file]?.inputs;
  if (!inputs) return '';
  if (Object.keys(inputs).length === 0) return ' (esbuild runtime helpers)';
  const bytes = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    const owner = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? input.split('/').slice(0, 2).join('/');
    bytes.set(owner, (bytes.get(owner) ?? 0) + bytesInOutput);
  }
  const top = [...bytes.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, 3)
    .map(([k]) => k);
  return ` (${top.join(', ')}${bytes.size > 3 ? ', ...' : ''})`;
}

/**
 * Where a .cpuprofile's samples went: each sample is charged to the nearest frame (from the leaf up)
 * that belongs to a node_modules package or to demo-fleet's dist/, so module loading and compiling is
 * charged to the package whose code was running; samples with no such frame stay node internals.
 */
function summarizeProfile(dir) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return ['(no profile written)'];
  const prof = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = (n) => {
    const url = n.callFrame.url;
    const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    if (m) return m[1];
    const d = url.match(/\/dist\/(.*)$/);
    return d ? `dist/${d[1]}${bundleContents(`dist/${d[1]}`)}` : null;
  };
  const cache = new Map();
  const charge = (id) => {
    if (cache.has(id)) return cache.get(id);
    const n = byId.get(id);
    const fn = n.callFrame.functionName;
    let key = owner(n);
    if (!key && ['(idle)', '(garbage collector)', '(program)'].includes(fn)) key = fn;
    if (!key) key = parent.has(id) ? charge(parent.get(id)) : '(node internals)';
    cache.set(id, key);
    return key;
  };
  const total = new Map();
  const dt = prof.timeDeltas;
  prof.samples.forEach((id, i) => {
    total.set(charge(id), (total.get(charge(id)) ?? 0) + (dt[i] ?? 0));
  });
  const sum = [...total.values()].reduce((a, b) => a + b, 0);
  return [
    `wall ${(sum / 1000).toFixed(0)} ms sampled; charged to the nearest package frame:`,
    ...[...total.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, us]) => `${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`),
  ];
}

/**
 * A unix-socket proxy in front of the engine that counts HTTP requests by method and path (ids and
 * names folded, API version dropped). Request lines are found at the start of each client chunk
 * and after a blank line; good enough for dockerode's small JSON requests.
 */
async function countingProxy(sockPath, engineSock) {
  const net = await import('node:net');
  const counts = new Map();
  const sockets = new Set();
  const fold = (p) =>
    p
      .replace(/\?.*$/, '')
      .replace(/^\/v\d+\.\d+/, '')
      .replace(/^\/images\/(?!create$|json$|build$).+\/(json|tag|push|history|get)$/, '/images/{name}/$1')
      .replace(/^\/containers\/(?!create$|json$)[^/]+/, '/containers/{id}')
      .replace(/^\/exec\/[^/]+/, '/exec/{id}');
  const server = net.createServer((client) => {
    const upstream = net.connect(engineSock);
    sockets.add(client).add(upstream);
    client.on('data', (d) => {
      for (const m of d.toString('latin1').matchAll(/(?:^|\r\n)(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/g)) {
        const key = `${m[1]} ${fold(m[2])}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise((resolve, reject) => server.listen(sockPath, resolve).on('error', reject));
  return {
    path: sockPath,
    /** total requests; execs: exec instances created (POST /containers/{id}/exec); byKey: all */
    counts: () => ({
      total: [...counts.values()].reduce((a, b) => a + b, 0),
      execs: counts.get('POST /containers/{id}/exec') ?? 0,
      byKey: Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1])),
    }),
    summary: () => {
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      return [`${total} requests`, ...[...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${String(n).padStart(5)}  ${k}`)];
    },
    close: () =>
      new Promise((resolve) => {
        for (const sock of sockets) sock.destroy();
        server.close(() => resolve());
      }),
  };
}

/** In-process time of `await import(spec)` in a fresh node, from the CLI copy's directory. */
async function importCost(cwd, spec) {
  const code = `const t = performance.now(); await import(${JSON.stringify(spec)}); process.stdout.write(String(performance.now() - t));`;
  const r = must(await timed(process.execPath, ['--input-type=module', '-e', code], { cwd }), `import ${spec}`);
  return Number(r.stdout);
}

// ---------------------------------------------------------------------------------------------

await runBench({ name: 'up', parse: parseArgs, main, cleanup, log });
