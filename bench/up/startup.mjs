#!/usr/bin/env node
// bench/up helper: what demo-fleet's startup costs. Times `--version` and `up --dry-run` of a 50-event
// fleet (reads the engine, changes nothing) for the shipped CLI, dist/bin/demo-fleet.mjs (one esbuild
// bundle with per-command chunks, scripts/bundle-cli.mjs), next to dist/cli/bin.js (the same code as
// tsc emits it, one file per module, dependencies from node_modules) and `node -e 0`: median wall time
// and CPU time (user + sys, GNU time). CPU time is the number to trust on a busy machine. Runs a
// private copy of dist/ (nothing in dist/ or cli/ changes). A measurement for the bench/up report.
//
// Usage: node bench/up/startup.mjs [runs (default 7)]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.argv[2] ?? 7);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'demo-fleet-bench-startup.'));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

try {
  const pkg = path.join(tmp, 'pkg');
  for (const p of ['package.json', 'dist', 'templates']) cpSync(path.join(ROOT, p), path.join(pkg, p), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
  const fleetDir = path.join(tmp, 'fleet');
  mkdirSync(fleetDir);
  const env = { ...process.env };
  delete env.DEMO_FLEET_FILE;
  execFileSync(
    process.execPath,
    [path.join(pkg, 'dist/bin/demo-fleet.mjs'), 'init', '--name', 'bench-startup', '--image', 'demo-fleet-bench/startup'],
    {
      cwd: fleetDir,
      stdio: 'ignore',
      env,
    },
  );
  const fleetFile = path.join(fleetDir, 'fleet.yaml');
  const events = Array.from({ length: 50 }, (_, i) => `  e${String(i + 1).padStart(2, '0')}: {}`).join('\n');
  writeFileSync(fleetFile, readFileSync(fleetFile, 'utf8').replace(/^events: \{\}$/m, `events:\n${events}`));

  const timeFile = path.join(tmp, 'time.txt');
  const rows = [['command', 'entry point', 'wall (median)', 'CPU user+sys (median)']];
  for (const args of [['--version'], ['up', '--dry-run']]) {
    for (const entry of ['cli/bin.js', 'bin/demo-fleet.mjs']) {
      const wall = [];
      const cpu = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, process.execPath, path.join(pkg, 'dist', entry), ...args], {
          cwd: fleetDir,
          stdio: 'ignore',
          env,
        });
        wall.push(performance.now() - t0);
        const [u, s] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
        cpu.push((u + s) * 1000);
      }
      rows.push([args.join(' '), entry, `${median(wall).toFixed(0)} ms`, `${median(cpu).toFixed(0)} ms`]);
    }
  }
  const nodeCpu = [];
  for (let i = 0; i < runs; i++) {
    execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, process.execPath, '-e', '0'], { stdio: 'ignore' });
    const [u, s] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
    nodeCpu.push((u + s) * 1000);
  }
  rows.push(['node -e 0', '-', '', `${median(nodeCpu).toFixed(0)} ms`]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`startup of demo-fleet (${runs} runs each, load average ${os.loadavg()[0].toFixed(2)}, ${os.cpus().length} cores)`);
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
