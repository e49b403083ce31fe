/**
 * `publish` to a real registry (Debian docker-registry, htpasswd auth, 127.0.0.1) with the credentials
 * coming from a docker-credential helper on PATH named by the docker config's credsStore (as Docker
 * Desktop / osxkeychain users have it), never from REGISTRY_USERNAME/PASSWORD; without the helper the
 * push fails with one line. Then through a proxy that answers the first manifest upload with 503: the
 * push is retried and succeeds.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, show, tempDir, runInProcess } from '../helpers/cli.js';
import { BASE_IMAGE, BUILD_SH } from '../helpers/engine-fixture.js';
import { registryAvailable, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { dockerEngine, runId } from '../helpers/requirements.js';

const engine = dockerEngine();
const registry = engine.ok ? registryAvailable() : engine;
const HELPER = 'demofleettest';

function docker(args: string[]): string {
  return execFileSync('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();
}

/** A proxy to the registry that answers the first `PUT .../manifests/...` with 503. */
function flakyProxy(target: string): Promise<{ host: string; refused: () => number; close: () => Promise<void> }> {
  let refused = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT' && /\/manifests\//.test(req.url ?? '') && refused === 0) {
      refused++;
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('busy, try again');
      return;
    }
    const [hostname, port] = target.split(':');
    const upstream = http.request({ hostname, port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        host: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        refused: () => refused,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

describe.skipIf(!registry.ok)('registry credentials through a docker-credential helper, and retries', () => {
  let reg: TestRegistry;
  let dir: string;
  let cleanupDir: () => Promise<void>;
  let bin: string;
  let dockerConfig: string;
  const repos: string[] = [];
  const FAKE_SHA = 'fedcba9876543210fedcba9876543210fedcba98';
  /** No REGISTRY_* or GITHUB_* credentials: only the docker config may supply them. */
  const baseEnv = () => ({
    GITHUB_SHA: FAKE_SHA,
    REGISTRY_USERNAME: undefined,
    REGISTRY_PASSWORD: undefined,
    GITHUB_TOKEN: undefined,
    DOCKER_CONFIG: dockerConfig,
  });
  const withHelper = () => ({ ...baseEnv(), PATH: `${bin}:${process.env.PATH}` });

  async function fleetFor(name: string, repo: string): Promise<string> {
    const fleetDir = path.join(dir, name);
    await mkdir(fleetDir);
    expect((await runInProcess(['init', '--name', `t-${runId}-${name}`, '--image', repo], { cwd: fleetDir })).code).toBe(0);
    expect((await runInProcess(['add', 'alpha'], { cwd: fleetDir })).code).toBe(0);
    const file = path.join(fleetDir, 'fleet.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^baseImage: .*$/m, `baseImage: ${BASE_IMAGE}`));
    repos.push(repo);
    return fleetDir;
  }

  beforeAll(async () => {
    execFileSync(BUILD_SH, { stdio: 'ignore' });
    reg = await startRegistry();
    ({ dir, cleanup: cleanupDir } = await tempDir());
    bin = path.join(dir, 'bin');
    dockerConfig = path.join(dir, 'docker-config');
    await mkdir(bin);
    await mkdir(dockerConfig);
    await writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: HELPER }));
    // The helper serves the test registry's credentials for any 127.0.0.1 registry (the proxy's too).
    const program = path.join(bin, `docker-credential-${HELPER}`);
    await writeFile(
      program,
      `#!/bin/sh
[ "$1" = get ] || exit 1
read -r url || true
case "$url" in
  127.0.0.1:*) printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$url" '${reg.username}' '${reg.password}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
    );
    await chmod(program, 0o755);
  }, 120_000);

  afterAll(async () => {
    for (const repo of repos) {
      for (const line of docker(['images', '--format', '{{.Repository}}:{{.Tag}}', repo]).split('\n').filter(Boolean)) {
        docker(['rmi', '-f', line]);
      }
    }
    await reg?.stop();
    await cleanupDir?.();
  });

  it('without the helper on PATH: one line naming it, exit 7, nothing pushed', async () => {
    const fleetDir = await fleetFor('nohelper', `${reg.host}/t-${runId}-nohelper/demo`);
    const r = await runCli(['publish'], { cwd: fleetDir, env: baseEnv() });
    expect(r.code, show(r)).toBe(7);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      `error: credential helper docker-credential-${HELPER} (configured in ${dockerConfig}/config.json) is not on PATH: install it, or remove "${HELPER}" from credsStore/credHelpers`,
    );
    expect((await reg.api(`/v2/t-${runId}-nohelper/demo/tags/list`)).status).toBe(404);
  });

  it('with the helper: publish pushes every tag, and the secret appears nowhere in the output', async () => {
    const fleetDir = await fleetFor('helper', `${reg.host}/t-${runId}-helper/demo`);
    const r = await runCli(['publish', '--json'], { cwd: fleetDir, env: withHelper(), timeoutMs: 240_000 });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(reg.password);
    expect(r.stderr).not.toMatch(/anonymously/);
    const listed = (await (await reg.api(`/v2/t-${runId}-helper/demo/tags/list`)).json()) as { tags: string[] };
    expect([...listed.tags].sort()).toEqual(['alpha', `sha-${FAKE_SHA.slice(0, 7)}`]);
  });

  it('a helper with nothing for the registry: anonymous, the registry refuses, one line, not retried', async () => {
    await writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ credHelpers: { 'other.example': HELPER } }));
    try {
      const fleetDir = await fleetFor('anon', `${reg.host}/t-${runId}-anon/demo`);
      const r = await runCli(['publish'], { cwd: fleetDir, env: withHelper(), timeoutMs: 240_000 });
      expect(r.code, show(r)).toBe(7);
      expect(r.stderr).toMatch(/pushing anonymously/);
      expect(r.stderr).not.toMatch(/retrying/);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        new RegExp(
          `^error: push of ${reg.host}/t-${runId}-anon/demo:\\S+ failed: .*(unauthorized|authentication required|no basic auth)`,
          'i',
        ),
      );
    } finally {
      await writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: HELPER }));
    }
  });

  it('a 503 from the registry is retried with backoff, and the push then succeeds', async () => {
    const proxy = await flakyProxy(reg.host);
    try {
      const fleetDir = await fleetFor('flaky', `${proxy.host}/t-${runId}-flaky/demo`);
      const r = await runCli(['publish', '--json'], { cwd: fleetDir, env: withHelper(), timeoutMs: 240_000 });
      expect(r.code, show(r)).toBe(0);
      expect(proxy.refused()).toBe(1);
      expect(r.stderr).toMatch(/push of \S+ failed, retrying \(2 of 3\) in 2 s: .*503/);
      expect(r.stdout + r.stderr).not.toContain(reg.password);
      const listed = (await (await reg.api(`/v2/t-${runId}-flaky/demo/tags/list`)).json()) as { tags: string[] };
      expect([...listed.tags].sort()).toEqual(['alpha', `sha-${FAKE_SHA.slice(0, 7)}`]);
    } finally {
      await proxy.close();
    }
  });
});
