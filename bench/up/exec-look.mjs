#!/usr/bin/env node
// bench/up helper: what the readiness looks of a no-op `up` cost the engine. For every running
// container of a fleet, one look as cli/converge/readiness.ts makes it (container inspect, then exec
// create + start + inspect), at most --concurrency at once (apply.ts's LOOK_CONCURRENCY is 8), from a
// bare node:http client over the engine's unix socket: no CLI startup, no dockerode. Prints
// {"ms": <wall time of all looks>, "looks": N, "concurrency": C, "cmd": ..., "failed": K} on stdout.
//   --cmd probe  the readiness probe (`tailscale status --json`, then `tailscale serve status --json`)
//   --cmd true   `true`: the same requests with a command that costs nothing, i.e. the engine's exec
//                overhead, what a look would cost if the probe were (nearly) free
//   --no-exec    the inspect alone
//
// Usage: node bench/up/exec-look.mjs <fleet name> [--concurrency N] [--cmd probe|true] [--no-exec]
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [fleet, ...flags] = process.argv.slice(2);
if (!fleet) {
  process.stderr.write('usage: node bench/up/exec-look.mjs <fleet name> [--concurrency N] [--cmd probe|true] [--no-exec]\n');
  process.exit(2);
}
const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
if (!host.startsWith('unix://')) {
  process.stderr.write(`exec-look.mjs: only unix:// engines (DOCKER_HOST=${host})\n`);
  process.exit(3);
}
const socketPath = host.slice('unix://'.length);
const flag = (name, fallback) => {
  const at = flags.indexOf(name);
  return at >= 0 ? flags[at + 1] : fallback;
};
const concurrency = Number(flag('--concurrency', '8'));
const cmdName = flag('--cmd', 'probe');
const noExec = flags.includes('--no-exec');
// the same command as PROBE in cli/converge/readiness.ts (not exported; keep in step with it)
const SEPARATOR = '---demo-fleet: serve status---';
const CMDS = {
  probe: ['sh', '-c', `tailscale status --json && echo && echo '${SEPARATOR}' && tailscale serve status --json`],
  true: ['true'],
};
const cmd = CMDS[cmdName];
if (!cmd) {
  process.stderr.write(`exec-look.mjs: --cmd probe|true, got ${cmdName}\n`);
  process.exit(2);
}

/** One request on its own connection; the body (exec start's raw stream too) read to the end. */
function request(method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        socketPath,
        method,
        path: urlPath,
        agent: false,
        headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {},
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          if (res.statusCode >= 300) reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${buf.toString('utf8').trim()}`));
          else resolve({ type: res.headers['content-type'] ?? '', buf });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
const json = (r) => (r.buf.length ? JSON.parse(r.buf.toString('utf8')) : null);

const filters = encodeURIComponent(JSON.stringify({ label: [`dev.demo-fleet.fleet=${fleet}`], status: ['running'] }));
const ids = json(await request('GET', `/containers/json?filters=${filters}`)).map((c) => c.Id);
if (ids.length === 0) {
  process.stderr.write(`exec-look.mjs: no running container of fleet ${fleet}\n`);
  process.exit(1);
}

let failed = 0;
const look = async (id) => {
  const info = json(await request('GET', `/containers/${id}/json`));
  if (noExec) return;
  if (info.State.Status !== 'running') throw new Error(`${id}: ${info.State.Status}`);
  const { Id } = json(await request('POST', `/containers/${id}/exec`, { Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false }));
  await request('POST', `/exec/${Id}/start`, { Detach: false, Tty: false });
  const { ExitCode } = json(await request('GET', `/exec/${Id}/json`));
  if (ExitCode !== 0) failed++;
};

const t0 = performance.now();
let next = 0;
const worker = async () => {
  while (next < ids.length) await look(ids[next++]);
};
await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, looks: ids.length, concurrency, cmd: noExec ? 'none' : cmdName, failed })}\n`);
