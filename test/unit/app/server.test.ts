/** The real entry point (app/server.ts), bundled like the image's server.cjs, run as a process. */
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleApp, startServer, type Bundle } from './server-process.js';

let bundle: Bundle;
beforeAll(async () => {
  bundle = await bundleApp();
}, 60_000);
afterAll(async () => {
  await bundle?.remove();
});

describe('server.ts', () => {
  const packagesOf = (meta: Bundle['meta']['server']) => {
    const inputs = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
    return { inputs, packages: new Set(inputs.map((i) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(i)?.[1]).filter(Boolean)) };
  };

  it("the bundle holds no libmime, iconv-lite or encoding-japanese (~10 MB of every event's memory; app/rfc2047.ts decodes the headers)", () => {
    const server = packagesOf(bundle.meta.server);
    const app = packagesOf(bundle.meta.app);
    const packages = new Set([...server.packages, ...app.packages]);
    expect(packages.has('fastify'), [...packages].join(', ')).toBe(true); // the check sees packages at all
    for (const file of ['server.cjs', 'app.cjs']) {
      const text = readFileSync(join(bundle.dir, file), 'utf8');
      for (const heavy of ['libmime', 'iconv-lite', 'encoding-japanese', 'libqp', 'libbase64']) {
        expect(packages.has(heavy), heavy).toBe(false);
        expect(text.includes(`node_modules/${heavy}/`), `${file}: ${heavy}`).toBe(false);
      }
    }
    expect(server.inputs.some((i) => i.endsWith('app/rfc2047.ts'))).toBe(true);
  });

  it('server.cjs holds no Fastify (nor ajv, find-my-way, light-my-request): the app requires app.cjs only for a request the raw routes do not answer', () => {
    const { packages } = packagesOf(bundle.meta.server);
    for (const heavy of ['fastify', 'ajv', 'find-my-way', 'light-my-request', 'avvio', 'fast-json-stringify', '@fastify/helmet']) {
      expect(packages.has(heavy), [...packages].join(', ')).toBe(false);
    }
    expect(readFileSync(bundle.entry, 'utf8')).toContain('require("./app.cjs")');
  });

  it('an idle app never loads Fastify: every GET and HEAD (the page, /healthz, /whoami, /static, a 404) answers without app.cjs; another method loads it', async () => {
    // a copy of the bundle without app.cjs: what answers there never needed Fastify
    const bare = await mkdtemp(join(tmpdir(), 'app-bundle-no-fastify-'));
    await cp(bundle.dir, bare, { recursive: true });
    await rm(join(bare, 'app.cjs'));
    const withoutApp = await startServer(join(bare, 'server.cjs'), { TAILSCALE_URL: 'https://demo.example.ts.net' });
    const withApp = await startServer(bundle.entry);
    try {
      const base = `http://127.0.0.1:${withoutApp.port}`;
      for (const path of ['/', '/?booth', '/healthz', '/whoami', '/static/social.png']) {
        expect((await fetch(`${base}${path}`)).status, path).toBe(200);
      }
      expect((await fetch(base, { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(`${base}/healthz`, { method: 'HEAD' })).status).toBe(200);
      // a browser's /favicon.ico, a missing static file: the same 404 as Fastify's, with the security headers
      const raw404 = [await fetch(`${base}/favicon.ico`), await fetch(`${base}/static/nope.png`)];
      const fastify404 = [await fetch(`http://127.0.0.1:${withApp.port}/favicon.ico`, { method: 'DELETE' })];
      for (const r of [...raw404, ...fastify404]) {
        expect(r.status).toBe(404);
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      }
      expect(await raw404[0]!.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'GET /favicon.ico not found' });
      expect(await fastify404[0]!.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'DELETE /favicon.ico not found' });
      // another method needs the Fastify app: here it cannot be loaded (a 500, logged)
      expect((await fetch(base, { method: 'POST' })).status).toBe(500);
      await withoutApp.waitForLog((l) => l.level === 50 && l.msg === 'request failed');
    } finally {
      await Promise.all([withoutApp.stop(), withApp.stop()]);
      await rm(bare, { recursive: true, force: true });
    }
  });

  it('listens on 127.0.0.1 by default, logs one start line, serves / and the social card from static/ next to the bundle', async () => {
    const server = await startServer(bundle.entry, { TAILSCALE_URL: 'https://demo.example.ts.net' });
    try {
      const starts = server.logs.filter((l) => /listening/.test(l.msg));
      expect(starts.map((l) => l.msg)).toEqual([`identity demo listening on http://127.0.0.1:${server.port}`]);
      const page = await fetch(`http://127.0.0.1:${server.port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<meta property="og:image" content="https://demo.example.ts.net/static/social.png">');
      const png = await fetch(`http://127.0.0.1:${server.port}/static/social.png`);
      expect(png.status).toBe(200);
      expect(png.headers.get('content-type')).toBe('image/png');
      expect((await png.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      // No per-request log lines at info.
      expect(server.logs.filter((l) => /request/i.test(l.msg))).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('shuts down cleanly on %s with exit code 0', async (signal) => {
    const server = await startServer(bundle.entry);
    // An open keep-alive connection must not keep the process alive.
    await fetch(`http://127.0.0.1:${server.port}/healthz`);
    server.child.kill(signal);
    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(server.logs.some((l) => l.msg === 'shutting down' && l.signal === signal)).toBe(true);
  });

  it('refuses a bad configuration with a message and exit code 1', async () => {
    await expect(startServer(bundle.entry, { PORT: 'nope' })).rejects.toThrow(/server exited \(1\).*PORT must be an integer/s);
  });

  it('honours STATIC_DIR', async () => {
    const server = await startServer(bundle.entry, { STATIC_DIR: '/nonexistent-static-dir' });
    try {
      expect(server.logs.some((l) => l.level === 40 && /social\.png not found/.test(l.msg))).toBe(true);
      expect((await fetch(`http://127.0.0.1:${server.port}/static/social.png`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
