#!/usr/bin/env node
// bench/up helper (profile mode): the engine's floor for a cold start. Sends exactly the
// create + start requests `demo-fleet up` sends (container options from the CLI's own
// createOptions), from a bare node:http client over the engine's unix socket, all events at once
// (or --concurrency N). Prints {"ms": <wall time of the requests>, "containers": N} on stdout.
// Loading modules and rendering happen before the clock starts: the number is engine time only.
// --bare: the same names, image and labels, but each container runs a shell `sleep` (exits on
// SIGTERM) with no network, no health check, no env and no mounts: what one create + start costs on
// this engine at the least.
//
// Usage: node bench/up/floor.mjs <cli root> <fleet.yaml> [--concurrency N] [--bare]
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const [cliRoot, fleetFile, ...flags] = process.argv.slice(2);
if (!cliRoot || !fleetFile) {
  process.stderr.write('usage: node bench/up/floor.mjs <cli root> <fleet.yaml> [--concurrency N] [--bare]\n');
  process.exit(2);
}
const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
if (!host.startsWith('unix://')) {
  process.stderr.write(`floor.mjs: only unix:// engines (DOCKER_HOST=${host})\n`);
  process.exit(3);
}
const socketPath = host.slice('unix://'.length);

const mod = (p) => import(pathToFileURL(path.join(cliRoot, 'dist/cli', p)).href);
const { loadFleet } = await mod('fleet/file.js');
const { renderFleet } = await mod('render/render.js');
const { createOptions } = await mod('targets/docker/containers.js');

const { fleet } = await loadFleet(path.resolve(fleetFile));
const { services } = await renderFleet(fleet, { fleetFile: path.resolve(fleetFile) });
const bare = flags.includes('--bare');
const bodies = await Promise.all(
  services.map(async (s) => {
    const full = await createOptions(s);
    if (!bare) return full;
    return {
      name: full.name,
      Image: full.Image,
      Labels: full.Labels,
      Entrypoint: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
      Cmd: [],
      Healthcheck: { Test: ['NONE'] },
      HostConfig: { NetworkMode: 'none' },
    };
  }),
);
const at = flags.indexOf('--concurrency');
const concurrency = at >= 0 ? Number(flags[at + 1]) : bodies.length;

function request(method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      { socketPath, method, path: urlPath, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode >= 300) reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text.trim()}`));
          else resolve(text ? JSON.parse(text) : null);
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const t0 = performance.now();
let next = 0;
const worker = async () => {
  while (next < bodies.length) {
    const { name, ...body } = bodies[next++];
    const { Id } = await request('POST', `/containers/create?name=${encodeURIComponent(name)}`, body);
    await request('POST', `/containers/${Id}/start`);
  }
};
await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, containers: bodies.length, concurrency, bare })}\n`);
