#!/usr/bin/env node
// bench/app: our identity app as shipped, side by side with the original Flask + gunicorn listener and
// with a bare node:http server that renders the same page. A REPORT, not a test: it prints measured
// numbers, the targets and PASS/MISS, and exits 0 either way (1 only when the benchmark itself could
// not run, e.g. a server did not start or did not render the friend view). Start it with
// bench/app/run.sh (an EXIT trap kills every server even after a crash); see bench/README.md.
//
//   (a) ours:  node dist/image/server.cjs          (the esbuild bundle the image ships; LOG_LEVEL default;
//              node flags from $OURS_NODE_FLAGS, e.g. "--max-semi-space-size=2", to measure a flag)
//   (b) flask: gunicorn -w $(nproc) listener:app   (bench/app/listener.py, sync workers)
//   (c) bare:  node bench/app/bare-node.mjs        (node:http + renderPage from dist/app: the ceiling)
//
// One load tool for all three: wrk (C, so it steals less CPU from the servers than a Node load
// generator would on a 2-core machine), same threads/connections/duration, identity headers on every
// request (bench/app/wrk-report.lua). Each round warms a server up, then measures it; rounds rotate the
// order, and the report takes the median of the rounds.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeProfile } from './profile-summary.mjs';
import { benchArgs } from '../lib/args.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'image', 'server.cjs');
const TSC_OUT = path.join(ROOT, 'dist', 'app');
const WRK_SCRIPT = path.join(HERE, 'wrk-report.lua');
const FRIEND_MARKER = "Now we're friends";
const IDENTITY = {
  'Tailscale-User-Login': 'ada@example.com',
  'Tailscale-User-Name': 'Ada Lovelace',
  'Tailscale-User-Profile-Pic': 'https://example.com/ada.png',
};
// From the "booth page and the app's memory" issue (2026-12-01; before: ours/bare >= 90%, max RSS <= 90 MB).
const TARGETS = { oursOverBare: 1.0, idleRssMb: 45, rssMb: 64 };
const SAMPLE_MS = 100;
const SETTLE_MS = 1000;
// V8's memory reducer runs ~8 s after start-up (--gc-memory-reducer-start-delay-ms=8000): the idle RSS
// an event's app keeps is the one after it, so idle RSS is read at start and again this long after.
const IDLE_SETTLE_MS = 10_000;
/** The node flags the image runs the app with (its s6 service's `node … /app/server.cjs` line). */
function imageNodeFlags() {
  const run = readFileSync(path.join(ROOT, 'templates/s6/svc-demo-app/run'), 'utf8');
  const line = /\bnode((?:\s+--\S+)*)\s+\/app\/server\.cjs/.exec(run);
  if (!line) throw new Error('templates/s6/svc-demo-app/run: no `node [flags] /app/server.cjs` line');
  return line[1].split(/\s+/).filter(Boolean);
}
// ours as the image runs it, unless OURS_NODE_FLAGS names others ("" for none)
const OURS_NODE_FLAGS = (process.env.OURS_NODE_FLAGS ?? imageNodeFlags().join(' ')).split(/\s+/).filter(Boolean);
const MEMORY_PROBE = path.join(HERE, 'memory-usage.cjs');

// ---------------------------------------------------------------------------------------------
// options

function parseArgs(argv) {
  const o = benchArgs(
    argv,
    {
      rounds: { kind: 'int', default: 5 },
      duration: { kind: 'int', default: 6 },
      warmup: { kind: 'int', default: 2 },
      connections: { kind: 'int', default: 50 },
      threads: { kind: 'int', default: 1 },
      workers: { kind: 'int', default: os.availableParallelism() },
      'cpu-prof': { kind: 'path', default: null },
      json: { kind: 'path', default: null },
      bundle: { kind: 'path', default: BUNDLE },
      memory: { kind: 'flag', default: false },
    },
    'usage: bench/app/run.sh [--rounds 5] [--duration 6] [--warmup 2] [--connections 50] [--threads 1]\n' +
      '                        [--workers $(nproc)] [--cpu-prof DIR] [--json FILE] [--bundle FILE] [--memory]\n' +
      '  --bundle FILE   benchmark another build of the app as "ours" (default dist/image/server.cjs)\n' +
      '  --memory        after the report, process.memoryUsage() of ours and bare: idle at start, idle\n' +
      '                  after 10 s, under the same load, and after it\n' +
      '  env OURS_NODE_FLAGS="--flag ..."  node flags for ours (default: those of templates/s6/svc-demo-app/run; "" for none)\n' +
      '  --cpu-prof DIR  after the report, profile ours and bare under the same load (node --cpu-prof)\n' +
      '                  and print the top self-time functions and packages\n',
  );
  return { ...o, initialWarmup: 5 };
}

// ---------------------------------------------------------------------------------------------
// process bookkeeping: every server is its own process group, killed as a group at the end

const servers = [];
const PGID_FILE = process.env.BENCH_APP_PGIDS; // run.sh's EXIT trap kills whatever is listed here

function track(child) {
  servers.push(child);
  if (PGID_FILE) appendFileSync(PGID_FILE, `${child.pid}\n`);
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

async function stopServer(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child.pid, 'SIGTERM');
  const timer = new Promise((resolve) => setTimeout(resolve, graceMs, 'timeout'));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    killGroup(child.pid, 'SIGKILL');
    await exited;
  }
}

function killAllNow() {
  for (const child of servers) killGroup(child.pid, 'SIGKILL');
}
process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAllNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

// ---------------------------------------------------------------------------------------------
// helpers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).join(' ');
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || null;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The pid and all its descendants (gunicorn: master + workers). */
function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function rssKb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // fields 14 and 15 of stat(5)
  } catch {
    return 0;
  }
}

function treeRssMb(rootPid) {
  return processTree(rootPid).reduce((s, p) => s + rssKb(p), 0) / 1024;
}

/** Keeps the highest RSS (whole process tree) of a server until stop(): warm-ups count as load too. */
function watchRss(rootPid) {
  const w = { maxKb: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    const total = processTree(rootPid).reduce((s, p) => s + rssKb(p), 0);
    if (total > w.maxKb) w.maxKb = total;
  }, SAMPLE_MS);
  return w;
}

/** Samples a server's RSS (whole process tree) and CPU while `work` runs. */
async function sampled(rootPid, work) {
  const pids = processTree(rootPid);
  const cpu0 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
  const t0 = process.hrtime.bigint();
  let maxRss = 0;
  const sample = () => {
    const total = processTree(rootPid).reduce((s, p) => s + rssKb(p), 0);
    if (total > maxRss) maxRss = total;
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  try {
    const result = await work();
    sample();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = processTree(rootPid).reduce((s, p) => s + cpuSeconds(p), 0);
    const cpuCores = (cpu1 - cpu0) / seconds;
    // Requests per CPU-second the server burnt: what one request costs, much less sensitive than req/s
    // to how much CPU the other processes on the machine left over.
    return { ...result, maxRssMb: maxRss / 1024, cpuCores, reqPerCpuS: cpuCores > 0 ? result.rps / cpuCores : 0 };
  } finally {
    clearInterval(timer);
  }
}

async function getPage(port) {
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: IDENTITY, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

async function waitReady(server, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) {
      throw new Error(`${server.label} exited with code ${server.child.exitCode} before it answered:\n${server.output()}`);
    }
    try {
      return await getPage(server.port);
    } catch (err) {
      lastError = err;
      await sleep(200);
    }
  }
  throw new Error(
    `${server.label} did not answer on 127.0.0.1:${server.port} within ${timeoutMs} ms (${lastError?.message})\n${server.output()}`,
  );
}

/** The caller's env without the app's settings: every server runs with its defaults (LOG_LEVEL info, ...). */
function cleanEnv() {
  const env = { ...process.env };
  for (const name of [
    'LOG_LEVEL',
    'DEMO_INVITE_LINK',
    'TAILSCALE_URL',
    'ALLOWED_DOMAINS',
    'ALLOWED_USERS',
    'STATIC_DIR',
    'NODE_OPTIONS',
    'GUNICORN_CMD_ARGS',
  ]) {
    delete env[name];
  }
  return env;
}

async function startServer({ key, label, cmd, args, env = {}, cwd = ROOT }) {
  const port = await freePort();
  const child = spawn(
    cmd,
    args.map((a) => a.replace('{PORT}', String(port))),
    {
      cwd,
      env: { ...cleanEnv(), HOST: '127.0.0.1', PORT: String(port), ...env },
      detached: true, // own process group: gunicorn's workers die with it
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  track(child);
  let out = '';
  const keep = (chunk) => {
    out = (out + chunk).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const server = { key, label, port, child, output: () => out };
  const page = await waitReady(server);
  if (page.status !== 200 || !page.body.includes(FRIEND_MARKER)) {
    throw new Error(
      `${label} did not render the friend view (status ${page.status}, no "${FRIEND_MARKER}" in the body):\n${page.body.slice(0, 1500)}`,
    );
  }
  return server;
}

/** One wrk run against a server; resolves with wrk's JSON summary. */
function wrk(port, seconds, o) {
  const args = [`-t${o.threads}`, `-c${o.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', WRK_SCRIPT, `http://127.0.0.1:${port}/`];
  return new Promise((resolve, reject) => {
    // Own process group too, listed for run.sh's trap: no load generator outlives a killed run.
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track(child);
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      servers.splice(servers.indexOf(child), 1);
      const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (code !== 0 || !line) return reject(new Error(`wrk ${args.join(' ')} failed (exit ${code}):\n${out}`));
      const r = JSON.parse(line.slice('WRK_JSON '.length));
      const errors = r.connect_errors + r.read_errors + r.write_errors + r.status_errors + r.timeouts;
      resolve({
        rps: r.requests / (r.duration_us / 1e6),
        requests: r.requests,
        errors,
        p50Ms: r.p50_us / 1000,
        p99Ms: r.p99_us / 1000,
        maxMs: r.max_us / 1000,
        kbPerReq: r.requests ? r.bytes / r.requests / 1024 : 0,
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// the three servers

const SERVERS = (o) => [
  {
    key: 'ours',
    label: `ours (${[...OURS_NODE_FLAGS, path.relative(ROOT, o.bundle)].join(' ')})`,
    cmd: process.execPath,
    args: [...OURS_NODE_FLAGS, o.bundle],
  },
  {
    key: 'flask',
    label: `Flask + gunicorn (-w ${o.workers}, sync)`,
    cmd: 'gunicorn',
    args: ['-w', String(o.workers), '-k', 'sync', '-b', '127.0.0.1:{PORT}', '--chdir', HERE, '--log-level', 'warning', 'listener:app'],
  },
  { key: 'bare', label: 'bare node:http (same renderPage)', cmd: process.execPath, args: [path.join(HERE, 'bare-node.mjs')] },
];

// ---------------------------------------------------------------------------------------------
// report

const fmt = {
  rps: (n) => n.toFixed(0),
  ms: (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1)),
  mb: (n) => n.toFixed(1),
  pct: (n) => `${(n * 100).toFixed(0)}%`,
};

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')).join('\n');
}

function checkBuild(o) {
  for (const f of [o.bundle, path.join(TSC_OUT, 'page.js'), path.join(TSC_OUT, 'identity.js'), path.join(TSC_OUT, 'security.js')]) {
    if (!existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: run \`npm run build\` first`);
  }
  const newestSource = Math.max(
    ...readdirSync(path.join(ROOT, 'app'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => statSync(path.join(ROOT, 'app', f)).mtimeMs),
  );
  const stale = [BUNDLE, path.join(TSC_OUT, 'page.js')].filter((f) => statSync(f).mtimeMs < newestSource);
  for (const f of stale)
    console.log(`WARNING: ${path.relative(ROOT, f)} is older than app/*.ts: the numbers are for the last build (npm run build)`);
  const git = (...args) => spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'app'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
  console.log(
    `measured build: ${path.relative(ROOT, o.bundle)} (built ${statSync(o.bundle).mtime.toISOString()}), git HEAD ${git('rev-parse', '--short', 'HEAD')}, ` +
      `app/ ${dirty.length ? `with uncommitted changes: ${dirty.join(', ')}` : 'clean'}`,
  );
}

async function profileUnderLoad(o) {
  mkdirSync(o.cpuProf, { recursive: true });
  const results = {};
  for (const key of ['ours', 'bare']) {
    const dir = path.join(o.cpuProf, key);
    mkdirSync(dir, { recursive: true });
    const before = new Set(readdirSync(dir));
    const def = SERVERS(o).find((d) => d.key === key);
    const server = await startServer({ ...def, args: ['--cpu-prof', '--cpu-prof-dir', dir, ...def.args] });
    console.log(`profiling ${server.label}: ${o.warmup} s warm-up + ${o.duration} s of the same load under node --cpu-prof ...`);
    await wrk(server.port, o.warmup, o);
    const load = await wrk(server.port, o.duration, o);
    await stopServer(server.child, 10_000); // SIGTERM -> process.exit -> the profile is written
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
    if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
    results[key] = { file: path.join(dir, file), rps: load.rps, summary: summarizeProfile(path.join(dir, file), o.bundle) };
  }
  for (const key of ['ours', 'bare']) {
    const { file, rps, summary } = results[key];
    console.log(
      `\n--- ${key}: ${file}\n    (${fmt.rps(rps)} req/s while profiled; ${fmt.ms(summary.totalMs)} ms sampled from start-up to exit, ${fmt.pct(summary.busyShare)} busy)`,
    );
    console.log('top packages/modules by self time (share of busy time):');
    console.log(
      table([['module', 'self ms', 'share'], ...summary.byModule.slice(0, 12).map((m) => [m.name, fmt.ms(m.ms), fmt.pct(m.share)])]),
    );
    console.log('top functions by self time:');
    console.log(
      table([
        ['function', 'module', 'self ms', 'share'],
        ...summary.byFunction.slice(0, 15).map((f) => [f.name, f.module, fmt.ms(f.ms), fmt.pct(f.share)]),
      ]),
    );
  }
  return results;
}

/** process.memoryUsage() of ours and bare (preloaded bench/app/memory-usage.cjs answers SIGUSR2). */
async function memoryBreakdown(o) {
  const rows = [];
  for (const key of ['ours', 'bare']) {
    const def = SERVERS(o).find((d) => d.key === key);
    const out = path.join(os.tmpdir(), `demo-fleet-bench-app-memory-${process.pid}-${key}.jsonl`);
    writeFileSync(out, '');
    const server = await startServer({ ...def, args: ['-r', MEMORY_PROBE, ...def.args], env: { BENCH_APP_MEMORY_OUT: out } });
    const startedAt = Date.now();
    const read = async (when) => {
      const before = readFileSync(out, 'utf8').length;
      killGroup(server.child.pid, 'SIGUSR2');
      for (let i = 0; i < 50 && readFileSync(out, 'utf8').length === before; i++) await sleep(20);
      const line = readFileSync(out, 'utf8').slice(before).trim();
      if (!line) throw new Error(`${server.label} wrote no memory line`);
      rows.push({ server: key, when, ...JSON.parse(line) });
    };
    await read('idle, at start');
    await sleep(startedAt + IDLE_SETTLE_MS - Date.now());
    await read('idle, after 10 s');
    console.log(`memory of ${server.label}: ${o.initialWarmup} s warm-up + ${o.duration} s of the same load ...`);
    await wrk(server.port, o.initialWarmup, o);
    const load = wrk(server.port, o.duration, o);
    await sleep(o.duration * 1000 - 1000);
    await read('under load');
    await load;
    await sleep(IDLE_SETTLE_MS);
    await read('10 s after the load');
    await stopServer(server.child);
    rmSync(out, { force: true });
  }
  const mb = (b) => fmt.mb(b / 1048576);
  console.log('\nprocess.memoryUsage() (MB; heapTotal: the V8 heap reserved, of it new space = the young generation;');
  console.log('external: memory of JS objects outside the heap, of it arrayBuffers)');
  console.log(
    table([
      ['server', 'when', 'rss', 'heapTotal', 'new space', 'heapUsed', 'external', 'arrayBuffers'],
      ...rows.map((r) => [
        r.server,
        r.when,
        mb(r.rss),
        mb(r.heapTotal),
        mb(r.newSpace),
        mb(r.heapUsed),
        mb(r.external),
        mb(r.arrayBuffers),
      ]),
    ]),
  );
  return rows;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  for (const tool of ['wrk', 'gunicorn']) {
    if (!which(tool)) throw new Error(`${tool} not found (apt-get install ${tool === 'wrk' ? 'wrk' : 'gunicorn python3-flask'})`);
  }
  checkBuild(o);
  const started = new Date();
  const loadStart = loadavg();
  console.log(`bench/app  ${started.toISOString()}  node ${process.version}  ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  console.log(`load average at start: ${loadStart}`);
  console.log(
    `wrk -t${o.threads} -c${o.connections}: ${o.initialWarmup} s first warm-up per server, then per round and server ${o.warmup} s warm-up + ${o.duration} s measured; ` +
      `${o.rounds} rounds (order rotates), median reported`,
  );

  const defs = SERVERS(o);
  const running = {};
  for (const def of defs) {
    const s = await startServer(def);
    s.startedAt = Date.now();
    s.idleRssMb = treeRssMb(s.child.pid);
    s.rssWatch = watchRss(s.child.pid);
    running[def.key] = s;
    console.log(`  started ${s.label} on 127.0.0.1:${s.port} (pid ${s.child.pid}); friend view verified`);
  }
  for (const def of defs) {
    const s = running[def.key];
    await sleep(s.startedAt + IDLE_SETTLE_MS - Date.now());
    s.idleSettledRssMb = treeRssMb(s.child.pid);
  }

  // First warm-up: enough requests for the JIT to settle (and gunicorn's workers to import everything).
  for (const def of defs) await wrk(running[def.key].port, o.initialWarmup, o);

  const runs = { ours: [], flask: [], bare: [] };
  const keys = defs.map((d) => d.key);
  for (let round = 0; round < o.rounds; round++) {
    const order = keys.map((_, i) => keys[(i + round) % keys.length]);
    for (const key of order) {
      const s = running[key];
      await wrk(s.port, o.warmup, o);
      await sleep(SETTLE_MS);
      const r = await sampled(s.child.pid, () => wrk(s.port, o.duration, o));
      runs[key].push(r);
      console.log(
        `  round ${round + 1} ${key.padEnd(5)} ${fmt.rps(r.rps).padStart(6)} req/s  p50 ${fmt.ms(r.p50Ms).padStart(5)} ms  p99 ${fmt.ms(r.p99Ms).padStart(5)} ms` +
          `  max RSS ${fmt.mb(r.maxRssMb).padStart(5)} MB  server CPU ${r.cpuCores.toFixed(2)} cores  errors ${r.errors}  (load ${loadavg()})`,
      );
    }
  }

  const med = {};
  for (const key of keys) {
    const rs = runs[key];
    med[key] = {
      rps: median(rs.map((r) => r.rps)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      maxRssMb: Math.max(running[key].rssWatch.maxKb / 1024, ...rs.map((r) => r.maxRssMb)),
      cpuCores: median(rs.map((r) => r.cpuCores)),
      reqPerCpuS: median(rs.map((r) => r.reqPerCpuS)),
      errors: rs.reduce((s, r) => s + r.errors, 0),
      kbPerReq: median(rs.map((r) => r.kbPerReq)),
    };
  }
  const loadEnd = loadavg();

  for (const key of keys) running[key].rssWatch.stop();
  console.log('\nmedian of rounds (max RSS: whole process tree, sampled every 100 ms over the whole run, warm-ups included;');
  console.log('CPU cores: CPU time the server got per second of measurement; req/CPU-s: requests per CPU-second it used)');
  console.log(
    table([
      ['server', 'req/s', 'p50 ms', 'p99 ms', 'idle RSS MB', 'idle 10 s', 'max RSS MB', 'CPU cores', 'req/CPU-s', 'KiB/resp', 'errors'],
      ...keys.map((k) => [
        running[k].label,
        fmt.rps(med[k].rps),
        fmt.ms(med[k].p50Ms),
        fmt.ms(med[k].p99Ms),
        fmt.mb(running[k].idleRssMb),
        fmt.mb(running[k].idleSettledRssMb),
        fmt.mb(med[k].maxRssMb),
        med[k].cpuCores.toFixed(2),
        fmt.rps(med[k].reqPerCpuS),
        med[k].kbPerReq.toFixed(2),
        med[k].errors,
      ]),
    ]),
  );

  const oursOverFlask = med.ours.rps / med.flask.rps;
  const oursOverBare = med.ours.rps / med.bare.rps;
  const checks = [
    ['req/s ours / bare node:http', fmt.pct(oursOverBare), `>= ${fmt.pct(TARGETS.oursOverBare)}`, oursOverBare >= TARGETS.oursOverBare],
    [
      'p99 ours vs Flask',
      `${fmt.ms(med.ours.p99Ms)} ms vs ${fmt.ms(med.flask.p99Ms)} ms`,
      'ours <= Flask',
      med.ours.p99Ms <= med.flask.p99Ms,
    ],
    [
      'idle RSS of ours at start',
      `${fmt.mb(running.ours.idleRssMb)} MB`,
      `<= ${TARGETS.idleRssMb} MB`,
      running.ours.idleRssMb <= TARGETS.idleRssMb,
    ],
    [
      'idle RSS of ours after 10 s',
      `${fmt.mb(running.ours.idleSettledRssMb)} MB`,
      `<= ${TARGETS.idleRssMb} MB`,
      running.ours.idleSettledRssMb <= TARGETS.idleRssMb,
    ],
    ['max RSS of ours under load', `${fmt.mb(med.ours.maxRssMb)} MB`, `<= ${TARGETS.rssMb} MB`, med.ours.maxRssMb <= TARGETS.rssMb],
    ['no errors from ours', String(med.ours.errors), '0', med.ours.errors === 0],
  ];
  const cpuOursOverBare = med.ours.reqPerCpuS / med.bare.reqPerCpuS;
  const cpuOursOverFlask = med.ours.reqPerCpuS / med.flask.reqPerCpuS;
  console.log(`\nreq/s ours / Flask: ${oursOverFlask.toFixed(1)}x (context, no target)`);
  console.log(
    `per CPU-second (contention-robust cross-check): ours / bare ${fmt.pct(cpuOursOverBare)}, ours / Flask ${cpuOursOverFlask.toFixed(1)}x`,
  );
  console.log(table([['check', 'measured', 'target', ''], ...checks.map(([n, m, t, ok]) => [n, m, t, ok ? 'PASS' : 'MISS'])]));
  const cores = os.availableParallelism();
  const busy = Math.max(Number(loadStart.split(' ')[0]), Number(loadEnd.split(' ')[0])) > cores;
  console.log(`\nload average: start ${loadStart}, end ${loadEnd} on ${cores} cores`);
  if (busy) {
    console.log(
      `NOTE: the load average is above the core count: other processes competed for the CPUs, so req/s and p99\n` +
        `      are noisy; the per-CPU-second ratio above is the steadier comparison of ours vs bare.`,
    );
  }

  if (o.json) {
    writeFileSync(
      o.json,
      JSON.stringify(
        {
          date: started.toISOString(),
          node: process.version,
          cpus: os.cpus().length,
          loadStart,
          loadEnd,
          settings: o,
          runs,
          median: med,
          idleRssMb: Object.fromEntries(keys.map((k) => [k, { start: running[k].idleRssMb, after10s: running[k].idleSettledRssMb }])),
          nodeFlags: OURS_NODE_FLAGS,
          ratios: { oursOverFlask, oursOverBare, cpuOursOverBare, cpuOursOverFlask },
          checks,
        },
        null,
        2,
      ),
    );
  }
  for (const key of keys) await stopServer(running[key].child);
  if (o.memory) await memoryBreakdown(o);
  if (o.cpuProf) await profileUnderLoad(o);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`\nbench/app FAILED: ${err instanceof Error ? err.message : String(err)}`);
    killAllNow();
    process.exit(1);
  },
);
