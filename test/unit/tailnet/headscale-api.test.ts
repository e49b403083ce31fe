/**
 * cli/tailnet/headscale-api.ts against local contract servers built from the swagger files headscale
 * ships at v0.26.1, v0.27.1, v0.28.0 and v0.29.2 (and v0.25.1, to refuse it): every request and every
 * answer is checked against the release's description, and each test ends with zero violations.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { controlFailure } from '../../helpers/control-failure.js';
import { ControlServerError, UsageError } from '../../../cli/errors.js';
import { HeadscaleApi, shapeFromDescription, type HeadscaleApiOptions } from '../../../cli/tailnet/headscale-api.js';
import type { ContractServer } from '../../helpers/contract-server.js';
import {
  FakeHeadscale,
  HEADSCALE_UPSTREAM,
  headscaleSpec,
  startHeadscaleContract,
  type HeadscaleMinor,
} from '../../helpers/contract-headscale.js';

const API_KEY = 'hskey-api-abcdef012345-s3cr3tAPIkeyValue0123456789abcdef';
const LEGACY_API_KEY = 'Q2xldmVsYW5k.s3cr3tLegacyApiKeyValue0123456789';

let servers: ContractServer[] = [];
let sleeps: number[] = [];

afterEach(async () => {
  const reports = servers.map((s) => s.report()).filter(Boolean);
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  sleeps = [];
  expect(reports.join('\n')).toBe('');
});

async function setup(minor: HeadscaleMinor, options: { serveSpec?: boolean } = {}) {
  const fake = new FakeHeadscale(minor);
  const apiKey = minor >= 28 ? API_KEY : LEGACY_API_KEY;
  fake.apiKeys.add(apiKey);
  const demo = fake.addUser('demo');
  fake.addUser('other');
  const server = await startHeadscaleContract(fake, options);
  servers.push(server);
  const client = (extra: Partial<HeadscaleApiOptions> = {}) =>
    new HeadscaleApi({
      baseUrl: server.origin,
      apiKey,
      now: fake.now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...extra,
    });
  return { fake, server, apiKey, demo, client };
}

function failure(p: Promise<unknown>, server: ContractServer): Promise<ControlServerError> {
  return controlFailure(p, `headscale (${server.host})`);
}

function expectNoSecrets(message: string, fake: FakeHeadscale, ...extra: string[]): void {
  for (const secret of [API_KEY, LEGACY_API_KEY, ...fake.apiKeys, ...fake.keys.map((k) => k.key), ...extra])
    expect(message).not.toContain(secret);
}

const inAnHour = (fake: FakeHeadscale) => new Date(fake.clock + 3600_000);

describe.skipIf(!HEADSCALE_UPSTREAM.ok).each([
  { minor: 26 as const, shape: '0.26-0.27' },
  { minor: 27 as const, shape: '0.26-0.27' },
  { minor: 28 as const, shape: '0.28+' },
  { minor: 29 as const, shape: '0.28+' },
])('headscale 0.$minor', ({ minor, shape }) => {
  it(`tells the ${shape} API from the description the server serves, without credentials`, async () => {
    const { server, client } = await setup(minor);
    const api = client();
    expect(await api.shape()).toBe(shape);
    expect(await api.shape()).toBe(shape); // read once
    expect(server.calls).toEqual([{ method: 'GET', path: '/swagger/v1/openapiv2.json', status: 200 }]);
  });

  it('mints a single-use pre-auth key for a user named in the configuration, and returns it only to the caller', async () => {
    const { fake, demo, client } = await setup(minor);
    const expiration = inAnHour(fake);
    const minted = await client().createPreAuthKey({ user: 'demo', tags: ['tag:demo'], expiration });

    const stored = fake.keys[0]!;
    expect(stored).toMatchObject({ key: minted.key, userId: demo.id, reusable: false, ephemeral: false, aclTags: ['tag:demo'] });
    expect(stored.expiration).toBe(expiration.toISOString());
    expect(minted.id).toBe(String(stored.id));
    expect(minted.userId).toBe(String(demo.id));
    expect(minted.expires?.toISOString()).toBe(expiration.toISOString());
    if (minor >= 28) expect(minted.key).toMatch(/^hskey-auth-/);
    expect(JSON.stringify(minted)).not.toContain(minted.key);
    expect(inspect(minted)).not.toContain(minted.key);
  });

  it('expires the key by what this release wants (0.26–0.27: user ID + key, looked up; 0.28+: key ID)', async () => {
    const { fake, server, client } = await setup(minor);
    const api = client();
    const minted = await api.createPreAuthKey({ user: 'demo', expiration: inAnHour(fake) });
    fake.clock += 60_000;
    await api.expirePreAuthKey({ id: minted.id, userId: minted.userId });
    expect(fake.keys[0]!.expiration).toBe(new Date(fake.clock).toISOString());
    const ops = server.calls.map((c) => c.operationId).filter(Boolean);
    expect(ops).toEqual(
      minor >= 28
        ? ['HeadscaleService_ListUsers', 'HeadscaleService_CreatePreAuthKey', 'HeadscaleService_ExpirePreAuthKey']
        : [
            'HeadscaleService_ListUsers',
            'HeadscaleService_CreatePreAuthKey',
            'HeadscaleService_ListPreAuthKeys',
            'HeadscaleService_ExpirePreAuthKey',
          ],
    );
  });

  it('finds nodes by reported hostname or given name, and deletes one', async () => {
    const { fake, demo, client } = await setup(minor);
    const berlin = fake.addNode('berlin2026', demo, { tags: ['tag:demo'] });
    fake.addNode('localhost', demo, { givenName: 'tokyo2026' });
    fake.addNode('berlin2026', demo, { givenName: 'berlin2026-1' });
    const api = client();

    expect((await api.listNodes()).map((n) => [n.name, n.givenName, n.user])).toEqual([
      ['berlin2026', 'berlin2026', 'demo'],
      ['localhost', 'tokyo2026', 'demo'],
      ['berlin2026', 'berlin2026-1', 'demo'],
    ]);
    expect((await api.findNodesByHostname('Tokyo2026')).map((n) => n.givenName)).toEqual(['tokyo2026']);
    const found = await api.findNodesByHostname('berlin2026');
    expect(found.map((n) => n.givenName)).toEqual(['berlin2026', 'berlin2026-1']);
    expect(found[0]!.tags).toEqual(['tag:demo']);

    await api.deleteNode(String(berlin.id));
    expect(fake.nodes.map((n) => n.givenName)).toEqual(['tokyo2026', 'berlin2026-1']);

    const e = await failure(api.deleteNode(String(berlin.id)), servers[0]!);
    if (minor >= 27) {
      expect(e.status).toBe(404);
      expect(e.message).toContain('no such node (deleted already?)');
    } else {
      // 0.26 turns the database's "record not found" into gRPC Unknown: HTTP 500, not worth a retry.
      expect(e.status).toBe(500);
      expect(e.message).toContain('server said: record not found');
    }
    expect(sleeps).toEqual([]);
  });

  it('an unknown user is an error that says how to create it', async () => {
    const { fake, server, client } = await setup(minor);
    const e = await failure(client().createPreAuthKey({ user: 'nobody', expiration: inAnHour(fake) }), server);
    expect(e.message).toContain('look up user nobody failed: no such user; create it (`headscale users create nobody`)');
  });

  if (minor >= 28) {
    it('mints a tags-only key without a user, and deletes keys', async () => {
      const { fake, server, client } = await setup(minor);
      const api = client();
      const minted = await api.createPreAuthKey({ tags: ['tag:demo'], expiration: inAnHour(fake) });
      expect(fake.keys[0]).toMatchObject({ userId: undefined, aclTags: ['tag:demo'] });
      expect(minted.userId).toBeUndefined();
      expect(server.calls.some((c) => c.operationId === 'HeadscaleService_ListUsers')).toBe(false);
      await api.deletePreAuthKey(minted.id);
      expect(fake.keys).toEqual([]);
      await expect(api.createPreAuthKey({ expiration: inAnHour(fake) })).rejects.toBeInstanceOf(UsageError);
    });
  } else {
    it('needs a user for a key, and cannot delete keys (only expire them)', async () => {
      const { fake, server, client } = await setup(minor);
      const api = client();
      await expect(api.createPreAuthKey({ tags: ['tag:demo'], expiration: inAnHour(fake) })).rejects.toThrow(
        /mint pre-auth keys for a user/,
      );
      const minted = await api.createPreAuthKey({ user: 'demo', expiration: inAnHour(fake) });
      const e = await failure(api.deletePreAuthKey(minted.id), server);
      expect(e.message).toContain('cannot delete pre-auth keys');
      expect(e.message).toContain('expire it instead');
      await expect(api.expirePreAuthKey({ id: minted.id })).rejects.toBeInstanceOf(UsageError);
    });
  }
});

describe.skipIf(!HEADSCALE_UPSTREAM.ok)('telling the version', () => {
  it('a configured version is used without asking the server', async () => {
    const { fake, server, client } = await setup(28);
    await client({ version: 'v0.28.0' }).createPreAuthKey({ user: 'demo', expiration: inAnHour(fake) });
    expect(server.calls.map((c) => c.path)).not.toContain('/swagger/v1/openapiv2.json');
  });

  it('a configured version demo-fleet does not speak is a ControlServerError before anything is sent', async () => {
    const { server, client } = await setup(28);
    for (const version of ['0.25.1', 'v0.30.0', '1.0', 'latest']) {
      expect(() => client({ version })).toThrow(ControlServerError);
    }
    expect(() => client({ version: '0.25' })).toThrow(
      `headscale (${server.host}): headscale 0.25 is not supported: demo-fleet speaks the API of headscale 0.26–0.29`,
    );
    expect(server.calls).toEqual([]);
  });

  it('a server that serves the 0.25 description is refused, naming why', async () => {
    const { fake, server, client } = await setup(25);
    const e = await failure(client().createPreAuthKey({ user: 'demo', expiration: inAnHour(fake) }), server);
    expect(e.message).toContain(
      "the server's API is not one demo-fleet speaks (its pre-auth keys are made for a user *name* (headscale 0.25 or older))",
    );
    expect(e.message).toContain('supports headscale 0.26–0.29');
    expect(server.calls.map((c) => c.path)).toEqual(['/swagger/v1/openapiv2.json']);
  });

  it('no served description (a proxy that passes only /api): says to configure the version', async () => {
    const { fake, server, client } = await setup(28, { serveSpec: false });
    const e = await failure(client().createPreAuthKey({ user: 'demo', expiration: inAnHour(fake) }), server);
    expect(e.status).toBe(404);
    expect(e.message).toContain('set the headscale version in the configuration');
  });

  it('classifies each vendored release by the operations and fields the client uses', () => {
    const shapes = ([25, 26, 27, 28, 29] as const).map((m) => shapeFromDescription(headscaleSpec(m).doc.doc));
    expect(shapes).toEqual([{ unsupported: expect.stringContaining('user *name*') }, '0.26-0.27', '0.26-0.27', '0.28+', '0.28+']);
    expect(shapeFromDescription({ swagger: '2.0' })).toEqual({ unsupported: expect.any(String) });
  });
});

describe.skipIf(!HEADSCALE_UPSTREAM.ok)('failures', () => {
  it('a wrong API key: 401 (plain-text, from the auth middleware) says to make a new key, without the key', async () => {
    const { fake, server, client } = await setup(28);
    const wrong = 'hskey-api-wrongwrong12-wrongSecretValue0123456789';
    const e = await failure(client({ apiKey: wrong, version: '0.28' }).listNodes(), server);
    expect(e.status).toBe(401);
    expect(e.message).toContain('list nodes failed: HTTP 401 (server said: Unauthorized); the API key is wrong, expired or revoked');
    expect(e.message).toContain('headscale apikeys create');
    expectNoSecrets(e.message, fake, wrong);
    expect(server.undocumented).toEqual([expect.stringContaining('HeadscaleService_ListNodes → 401')]);
  });

  it('403 and 404 say what to check', async () => {
    const { fake, server, client } = await setup(28);
    server.fail('HeadscaleService_ListNodes', { status: 403 });
    const forbidden = await failure(client({ version: '0.28' }).listNodes(), server);
    expect(forbidden.status).toBe(403);
    expect(forbidden.message).toContain('check the reverse proxy and the API key');
    server.fail('HeadscaleService_ListNodes', { status: 404 });
    const missing = await failure(client({ version: '0.28' }).listNodes(), server);
    expect(missing.message).toContain('the API is under /api/v1');
    expectNoSecrets(forbidden.message + missing.message, fake);
  });

  it('429 waits what Retry-After says; 503 (gRPC Unavailable) backs off; both then succeed', async () => {
    const { fake, server, client } = await setup(29);
    server.fail('HeadscaleService_CreatePreAuthKey', { status: 429, retryAfter: 2 });
    server.fail('HeadscaleService_CreatePreAuthKey', { status: 503 });
    const minted = await client({ version: '0.29' }).createPreAuthKey({ user: 'demo', expiration: inAnHour(fake) });
    expect(minted.key).toMatch(/^hskey-auth-/);
    expect(sleeps).toEqual([2000, 1000]);
  });

  it('5xx that does not end: bounded attempts, then an error that says to try later', async () => {
    const { server, client } = await setup(28);
    server.fail('HeadscaleService_DeleteNode', { status: 502 }, 10);
    const e = await failure(client({ version: '0.28', attempts: 3 }).deleteNode('7'), server);
    expect(e.status).toBe(502);
    expect(e.message).toContain(
      'delete node 7 failed: HTTP 502 (server said: injected 502) after 3 attempts; the server is failing: try again later',
    );
    expect(sleeps).toEqual([500, 1000]);
  });

  it('429 that does not end is bounded too', async () => {
    const { server, client } = await setup(26);
    server.fail('HeadscaleService_ListNodes', { status: 429, retryAfter: 1 }, 10);
    const e = await failure(client({ version: '0.26' }).listNodes(), server);
    expect(e.status).toBe(429);
    expect(e.message).toContain('after 4 attempts; rate limited');
  });

  it('dropped connections are retried, and end in a network error when they keep dropping', async () => {
    const { fake, server, client } = await setup(27);
    server.fail('HeadscaleService_ListNodes', { drop: true });
    await client({ version: '0.27' }).listNodes();
    expect(sleeps).toEqual([500]);
    server.fail('HeadscaleService_ListUsers', { drop: true }, 10);
    const e = await failure(client({ version: '0.27' }).createPreAuthKey({ user: 'demo', expiration: inAnHour(fake) }), server);
    expect(e.status).toBeUndefined();
    expect(e.message).toContain('look up user demo failed: could not reach the server');
  });

  it('never puts the API key or a minted key in a message, even when the server echoes them', async () => {
    const { fake, server, apiKey, client } = await setup(26);
    const api = client({ version: '0.26' });
    const minted = await api.createPreAuthKey({ user: 'demo', expiration: inAnHour(fake) });
    server.fail('HeadscaleService_ExpirePreAuthKey', {
      status: 400,
      body: { code: 3, message: `invalid key ${minted.key} (auth Bearer ${apiKey})`, details: [] },
    });
    const e = await failure(api.expirePreAuthKey({ id: minted.id, userId: minted.userId, key: minted.key }), server);
    expect(e.message).toContain('<redacted>');
    expectNoSecrets(e.message, fake, minted.key);
    // A key looked up for the expire call is a secret too.
    server.fail('HeadscaleService_ExpirePreAuthKey', { status: 400, body: { code: 3, message: `bad ${minted.key}`, details: [] } });
    const e2 = await failure(client({ version: '0.26' }).expirePreAuthKey({ id: minted.id, userId: minted.userId }), server);
    expectNoSecrets(e2.message, fake, minted.key);
  });

  it('checks inputs before calling', async () => {
    const { fake, server, client } = await setup(28);
    const api = client({ version: '0.28' });
    await expect(api.createPreAuthKey({ user: 'demo', expiration: new Date(fake.clock - 1) })).rejects.toBeInstanceOf(UsageError);
    await expect(api.createPreAuthKey({ user: 'demo', tags: ['demo'], expiration: inAnHour(fake) })).rejects.toBeInstanceOf(UsageError);
    await expect(api.deleteNode('n1')).rejects.toBeInstanceOf(UsageError);
    expect(server.calls).toEqual([]);
  });
});

describe.skipIf(!HEADSCALE_UPSTREAM.ok)('the contract server with a headscale description', () => {
  it('refuses what a release would not take: a user name on 0.26, {id} on 0.27, unknown fields, no API key', async () => {
    const s26 = (await setup(26)).server;
    const s27 = (await setup(27)).server;
    const post = (s: ContractServer, path: string, body: unknown, auth = true) =>
      fetch(`${s.origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${LEGACY_API_KEY}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post(s26, '/api/v1/preauthkey', { user: 'demo', expiration: '2026-12-01T00:00:00Z' })).status).toBe(400);
    expect((await post(s27, '/api/v1/preauthkey/expire', { id: '1' })).status).toBe(400);
    expect((await post(s27, '/api/v1/preauthkey', { user: '1' }, false)).status).toBe(401);
    expect(
      (await fetch(`${s27.origin}/api/v1/preauthkey?id=1`, { method: 'DELETE', headers: { authorization: `Bearer ${LEGACY_API_KEY}` } }))
        .status,
    ).toBe(501);
    const messages = [...s26.violations, ...s27.violations].map((v) => `${v.where}: ${v.message}`);
    s26.violations.length = 0;
    s27.violations.length = 0;
    expect(messages).toEqual([
      expect.stringMatching(/^request: body does not fit .*\/user must match format "uint64"/),
      expect.stringMatching(/^request: body does not fit .*must NOT have additional properties \(id\)/),
      'auth: no bearer credential in Authorization',
      'routing: method not in the API description (it has GET, POST)',
    ]);
  });
});
