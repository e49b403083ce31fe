// Run a command to its end, timing its wall clock from spawn to exit; every stderr line gets the time it
// came (demo-fleet's `==> step` lines are its progress). Never rejects on a non-zero exit.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export function timed(cmd, args, { cwd, env, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    const stderrLines = [];
    let pending = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => {
      const t = performance.now() - t0;
      err.push(d);
      pending += d;
      for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
        stderrLines.push({ line: pending.slice(0, i), t });
        pending = pending.slice(i + 1);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      resolve({
        cmd: [cmd, ...args].join(' '),
        code: code ?? (signal ? 128 : 1),
        ms: performance.now() - t0,
        bytes: stdout.length,
        stdout: stdout.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stderrLines,
        steps: stderrLines.filter((l) => l.line.startsWith('==> ')).map((l) => ({ name: l.line.slice(4), t: l.t })),
      });
    });
  });
}
