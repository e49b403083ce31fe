/**
 * Registry credentials as the docker CLI finds them ($DOCKER_CONFIG/config.json: credHelpers per
 * registry, else credsStore, through real `docker-credential-<name>` programs on PATH; else auths),
 * and which registry failures are retried.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact, registryAuth } from '../../../../cli/targets/docker/image/registry.js';
import { isTransient, withRetries } from '../../../../cli/targets/docker/image/retry.js';
import { RegistryError, StreamFailure } from '../../../../cli/errors.js';
import { tempDir } from '../../../helpers/cli.js';

const SECRET = 'helper-secret-Zq8';
let root: string;
let cleanup: () => Promise<void>;
let bin: string;

/** A credential helper: records the server URL it was asked for, answers from a table. */
async function helper(name: string, body: string): Promise<void> {
  const file = path.join(bin, `docker-credential-${name}`);
  await writeFile(file, `#!/bin/sh\nread -r url || true\nprintf '%s' "$url" > "${root}/asked-${name}"\n${body}\n`);
  await chmod(file, 0o755);
}

async function configDir(name: string, config: unknown): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const env = (dockerConfig: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: `${bin}:${process.env.PATH}`,
  DOCKER_CONFIG: dockerConfig,
  ...extra,
});

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  bin = path.join(root, 'bin');
  await mkdir(bin);
  await helper(
    'store',
    `case "$url" in
  reg.example:5000) printf '{"ServerURL":"%s","Username":"alice","Secret":"${SECRET}"}' "$url" ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"tok-${SECRET}"}' "$url" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac`,
  );
  await helper('ghcr', `printf '{"Username":"bob","Secret":"ghcr-${SECRET}"}'`);
  await helper('leaky', `echo "oops ${SECRET}"; exit 3`);
});

afterAll(async () => {
  await cleanup?.();
});

describe('registry credentials from the docker config', () => {
  it('credsStore: the helper gets the registry on stdin and its Username/Secret are used', async () => {
    const dir = await configDir('store', { credsStore: 'store', auths: { 'reg.example:5000': { auth: btoa('file:pw') } } });
    const auth = await registryAuth('reg.example:5000/acme/app', env(dir));
    expect(auth).toMatchObject({ username: 'alice', password: SECRET, serveraddress: 'reg.example:5000' });
    expect(await readFile(path.join(root, 'asked-store'), 'utf8')).toBe('reg.example:5000');
  });

  it('Docker Hub is asked for as https://index.docker.io/v1/; a <token> username is an identity token', async () => {
    const dir = await configDir('hub', { credsStore: 'store' });
    const auth = await registryAuth('acme/app', env(dir));
    expect(auth).toMatchObject({ username: '', password: '', identitytoken: `tok-${SECRET}`, serveraddress: 'docker.io' });
    expect(await readFile(path.join(root, 'asked-store'), 'utf8')).toBe('https://index.docker.io/v1/');
    expect(redact(`token tok-${SECRET} leaked`, auth)).toBe('token *** leaked');
  });

  it('credHelpers names the helper per registry, ahead of credsStore', async () => {
    const dir = await configDir('helpers', { credsStore: 'store', credHelpers: { 'ghcr.io': 'ghcr' } });
    expect(await registryAuth('ghcr.io/acme/app', env(dir))).toMatchObject({ username: 'bob', password: `ghcr-${SECRET}` });
    expect(await registryAuth('reg.example:5000/x', env(dir))).toMatchObject({ username: 'alice' });
  });

  it('"credentials not found" from the helper: anonymous (auths is not consulted, as in the docker CLI)', async () => {
    const dir = await configDir('notfound', { credsStore: 'store', auths: { 'other.example': { auth: btoa('file:pw') } } });
    expect(await registryAuth('other.example/acme/app', env(dir))).toBeNull();
  });

  it('no helper: auths.<registry>.auth (base64 user:password)', async () => {
    const dir = await configDir('auths', { auths: { 'https://reg.example:5000': { auth: btoa('carol:file-pw') } } });
    expect(await registryAuth('reg.example:5000/acme/app', env(dir))).toMatchObject({ username: 'carol', password: 'file-pw' });
  });

  it('env credentials come first; no config file at all is anonymous', async () => {
    const dir = await configDir('env', { credsStore: 'store' });
    const auth = await registryAuth('reg.example:5000/a', env(dir, { REGISTRY_USERNAME: 'ci', REGISTRY_PASSWORD: 'ci-pw' }));
    expect(auth).toMatchObject({ username: 'ci', password: 'ci-pw' });
    expect(await registryAuth('reg.example:5000/a', env(path.join(root, 'nothing-here')))).toBeNull();
  });

  it('a helper that is not on PATH: one line naming the program and the config file', async () => {
    const dir = await configDir('missing', { credsStore: 'nosuch' });
    const err = await registryAuth('reg.example:5000/a', env(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toBe(
      `credential helper docker-credential-nosuch (configured in ${dir}/config.json) is not on PATH: install it, or remove "nosuch" from credsStore/credHelpers`,
    );
  });

  it('a failing helper: one line with its exit code, never its output (it may hold the secret)', async () => {
    const dir = await configDir('leaky', { credHelpers: { 'reg.example:5000': 'leaky' } });
    const err = await registryAuth('reg.example:5000/a', env(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toBe(
      `credential helper docker-credential-leaky (configured in ${dir}/config.json) failed for reg.example:5000 (exit code 3)`,
    );
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('a config.json that is not JSON: one line naming it', async () => {
    const dir = path.join(root, 'broken');
    await mkdir(dir);
    await writeFile(path.join(dir, 'config.json'), '{ nope');
    await expect(registryAuth('reg.example:5000/a', env(dir))).rejects.toThrow(new RegExp(`^${dir}/config.json: not valid JSON`));
  });
});

describe('registry retries', () => {
  const http = (status: number, message: string) =>
    Object.assign(new Error(`(HTTP code ${status}) server error - ${message} `), { statusCode: status, json: { message } });

  it('5xx, resets and timeouts are transient; refusals (401/403/404, denied, unknown) are not', () => {
    expect(isTransient(new StreamFailure('received unexpected HTTP status: 503 Service Unavailable'))).toBe(true);
    expect(isTransient(new StreamFailure('Put "http://r/v2/x/manifests/a": read tcp 1->2: read: connection reset by peer'))).toBe(true);
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(http(500, 'Get "https://r/v2/": net/http: TLS handshake timeout'))).toBe(true);
    expect(isTransient(new StreamFailure('unauthorized: authentication required'))).toBe(false);
    expect(isTransient(http(500, 'Head "https://r/v2/x/manifests/a": unauthorized: authentication required'))).toBe(false);
    expect(isTransient(http(404, 'pull access denied for x, repository does not exist or may require docker login'))).toBe(false);
    expect(isTransient(new StreamFailure('manifest unknown: manifest unknown'))).toBe(false);
    expect(isTransient(new StreamFailure('denied: requested access to the resource is denied'))).toBe(false);
  });

  it('retries a transient failure up to the bound, a refusal never', async () => {
    const policy = { attempts: 3, firstDelayMs: 1 };
    const run = async (errors: unknown[]) => {
      let calls = 0;
      const retries: number[] = [];
      const result = await withRetries(
        async () => {
          const err = errors[calls++];
          if (err) throw err;
          return 'pushed';
        },
        (_e, next) => retries.push(next),
        policy,
      ).catch((e: unknown) => e);
      return { calls, retries, result };
    };
    const busy = () => new StreamFailure('received unexpected HTTP status: 503 Service Unavailable');
    expect(await run([busy(), busy()])).toEqual({ calls: 3, retries: [2, 3], result: 'pushed' });
    const always = await run([busy(), busy(), busy(), busy()]);
    expect(always.calls).toBe(3);
    expect(always.result).toBeInstanceOf(StreamFailure);
    const refused = await run([new StreamFailure('unauthorized: authentication required')]);
    expect(refused).toMatchObject({ calls: 1, retries: [] });
  });
});
