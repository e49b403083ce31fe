/**
 * `demo-fleet publish` against a real registry (Debian docker-registry, htpasswd auth, 127.0.0.1),
 * checked through the registry's own HTTP API; then `up --pull` runs the fleet from that registry.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, show, tempDir, runInProcess } from '../helpers/cli.js';
import { BASE_IMAGE, BUILD_SH, MODEL_KEY, MODEL_KEY_VAR } from '../helpers/engine-fixture.js';
import { dockerEngine, runId } from '../helpers/requirements.js';
import { registryAvailable, startRegistry, type TestRegistry } from '../helpers/registry.js';

const engine = dockerEngine();
const registry = engine.ok ? registryAvailable() : engine;
const FIXTURE_BASE = BASE_IMAGE;
const FAKE_SHA = 'abcdef0123456789abcdef0123456789abcdef01';
const EVENTS = ['alpha', 'beta', 'gamma'];
const MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';

function docker(args: string[]): string {
  return execFileSync('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();
}

describe.skipIf(!registry.ok)('publish to a real registry', () => {
  const fleetName = `t-${runId}-pub`;
  let reg: TestRegistry;
  let dir: string;
  let cleanupDir: () => Promise<void>;
  let repo: string;
  let publishedDigest = '';
  const actions = { GITHUB_SHA: FAKE_SHA, GITHUB_REPOSITORY: 'acme/demo-fleet', GITHUB_SERVER_URL: 'https://github.example' };
  const goodEnv = () => ({ ...actions, REGISTRY_USERNAME: reg.username, REGISTRY_PASSWORD: reg.password, [MODEL_KEY_VAR]: MODEL_KEY });

  beforeAll(async () => {
    execFileSync(BUILD_SH, { stdio: 'ignore' });
    reg = await startRegistry();
    ({ dir, cleanup: cleanupDir } = await tempDir());
    repo = `${reg.host}/${fleetName}/demo`;
    expect((await runInProcess(['init', '--name', fleetName, '--image', repo], { cwd: dir })).code).toBe(0);
    for (const e of EVENTS) expect((await runInProcess(['add', e, '--auth-key-env', MODEL_KEY_VAR], { cwd: dir })).code).toBe(0);
    const file = path.join(dir, 'fleet.yaml');
    const text = (await readFile(file, 'utf8')).replace(/^baseImage: .*$/m, `baseImage: ${FIXTURE_BASE}`);
    await writeFile(file, `${text}health:\n  interval: 1s\n  startPeriod: 1s\n`);
  }, 120_000);

  afterAll(async () => {
    if (dir) await runCli(['down', '--force-unlock'], { cwd: dir });
    for (const line of docker(['images', '--format', '{{.Repository}}:{{.Tag}}', repo ?? 'none'])
      .split('\n')
      .filter(Boolean)) {
      docker(['rmi', '-f', line]);
    }
    await reg?.stop();
    await cleanupDir?.();
  });

  it('--dry-run lists sha-<7>, every event and latest, and pushes nothing', async () => {
    const r = await runCli(['publish', '--dry-run', '--latest', '--json'], { cwd: dir, env: actions });
    expect(r.code, show(r)).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.tags).toEqual([`sha-${FAKE_SHA.slice(0, 7)}`, ...EVENTS, 'latest']);
    expect(out.pushed).toBe(false);
    expect((await reg.api(`/v2/${fleetName}/demo/tags/list`)).status).toBe(404);
  });

  it('a wrong password fails clearly, exits non-zero, and pushes nothing', async () => {
    const wrong = 'definitely-not-the-password';
    const r = await runCli(['publish'], { cwd: dir, env: { ...actions, REGISTRY_USERNAME: reg.username, REGISTRY_PASSWORD: wrong } });
    expect(r.code, show(r)).not.toBe(0);
    expect(r.stderr).toMatch(/^error: .*refused the credentials for ci/m);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error:')),
    ).toHaveLength(1);
    expect(r.stdout + r.stderr).not.toContain(wrong);
    const tags = await reg.api(`/v2/${fleetName}/demo/tags/list`);
    expect(tags.status).toBe(404); // NAME_UNKNOWN: the repository was never created
  });

  it('pushes every tag as one digest, with OCI labels, without printing the password', async () => {
    const r = await runCli(['publish', '--latest', '--json'], { cwd: dir, env: goodEnv(), timeoutMs: 240_000 });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(reg.password);
    const result = JSON.parse(r.stdout);
    expect(result.pushed).toBe(true);

    const listed = (await (await reg.api(`/v2/${fleetName}/demo/tags/list`)).json()) as { tags: string[] };
    const expected = [`sha-${FAKE_SHA.slice(0, 7)}`, ...EVENTS, 'latest'];
    expect([...listed.tags].sort()).toEqual([...expected].sort());

    const digests = new Set<string>();
    let manifest: { config: { digest: string } } | undefined;
    for (const tag of expected) {
      const res = await reg.api(`/v2/${fleetName}/demo/manifests/${tag}`, { Accept: MANIFEST_TYPES });
      expect(res.status, tag).toBe(200);
      digests.add(res.headers.get('docker-content-digest')!);
      manifest = (await res.json()) as typeof manifest;
    }
    expect(digests.size).toBe(1);
    expect([...digests][0]).toBe(result.digest);
    publishedDigest = result.digest;

    const config = (await (await reg.api(`/v2/${fleetName}/demo/blobs/${manifest!.config.digest}`)).json()) as {
      config: { Labels: Record<string, string> };
    };
    const labels = config.config.Labels;
    expect(labels['org.opencontainers.image.revision']).toBe(FAKE_SHA);
    expect(labels['org.opencontainers.image.source']).toBe('https://github.example/acme/demo-fleet');
    expect(labels['org.opencontainers.image.title']).toMatch(/identity headers/);
    expect(Date.parse(labels['org.opencontainers.image.created']!)).toBeGreaterThan(Date.now() - 3_600_000);
    expect(labels['org.opencontainers.image.version']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('up --pull runs the fleet from the registry after the local images are gone', async () => {
    for (const line of docker(['images', '--format', '{{.Repository}}:{{.Tag}}', repo]).split('\n').filter(Boolean)) {
      docker(['rmi', '-f', line]);
    }
    expect(docker(['images', '-q', repo])).toBe('');
    const r = await runCli(['up', '--pull', '--json'], { cwd: dir, env: goodEnv(), timeoutMs: 240_000 });
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).not.toMatch(/build image/);
    const result = JSON.parse(r.stdout) as { results: Array<{ event: string; ok: boolean; status: string }> };
    expect(result.results.map((x) => [x.event, x.ok, x.status])).toEqual(
      EVENTS.map((e) => [e, true, expect.stringMatching(/^served https:\/\//)]),
    );
    const ids = new Set(EVENTS.map((e) => docker(['inspect', '--format', '{{.Image}}', `${fleetName}-${e}`])));
    expect(ids.size).toBe(1);
    const repoDigests = docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `${repo}:alpha`]);
    expect(repoDigests).toContain(`${repo}@${publishedDigest}`);
  });
});
