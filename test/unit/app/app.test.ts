import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { metaContent, tagText, testApp, ZOE, type LogLine } from './helpers.js';
import { isPageRequest, type AppOptions } from '../../../app/app.js';
import type { IncomingMessage } from 'node:http';

let app: FastifyInstance | undefined;
let logs: LogLine[] = [];

function start(options: AppOptions = {}): FastifyInstance {
  ({ app, logs } = testApp(options));
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function page(headers: Record<string, string> = {}, options: AppOptions = {}, remoteAddress?: string) {
  const res = await start(options).inject({ method: 'GET', url: '/', headers, ...(remoteAddress ? { remoteAddress } : {}) });
  return { res, html: res.body };
}

describe('GET / stranger view', () => {
  it('greets a visitor without identity headers as a stranger', async () => {
    const { res, html } = await page();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html).toContain('<body class="stranger">');
    expect(tagText(html, 'h1')).toBe('Howdy, internet stranger!');
    expect(html).toContain('<p class="emoji">&#x1F920;</p>'); // 🤠
    expect(html).not.toContain('&#x1F46F;');
  });

  it('says "funnelled to the public internet" only when TAILSCALE_FUNNEL is set (Funnel on)', async () => {
    const off = await page();
    expect(off.html).toMatch(/shared with other tailnets \(Funnel is off: it is not on the public internet\)/);
    expect(off.html).not.toMatch(/funnelled/);
    await app!.close();
    const on = await page({}, { funnel: true });
    expect(on.html).toMatch(/shared with other tailnets and funnelled to the public internet/);
  });

  it('uses the original colours: #f2e5bc background, #282828 text', async () => {
    const { html } = await page();
    expect(html).toContain('body.stranger,body.forbidden{background-color:#f2e5bc;color:#282828}');
  });

  it('shows a join button and a QR code only when DEMO_INVITE_LINK is set, else "ask at the booth"', async () => {
    const without = await page();
    expect(without.html).not.toMatch(/<a [^>]*target="_blank"/);
    expect(without.html).not.toContain('<svg');
    expect(without.html).toMatch(/ask at the booth/);
    await app!.close();
    const { html } = await page({}, { inviteLink: 'https://login.tailscale.com/admin/invite/abc?x=1&y=2' });
    expect(html).toContain(
      '<a class="button" href="https://login.tailscale.com/admin/invite/abc?x=1&amp;y=2" target="_blank" rel="noopener noreferrer">',
    );
    expect(html.match(/<svg /g)).toHaveLength(1);
    expect(html).not.toMatch(/ask at the booth/);
  });

  it('treats empty identity headers as no identity', async () => {
    const { html } = await page({ 'tailscale-user-login': '', 'tailscale-user-name': '  ' });
    expect(html).toContain('<body class="stranger">');
  });
});

describe('GET / friend view', () => {
  it('greets an identified visitor by decoded RFC 2047 name and login, on #228B22 with white text', async () => {
    const { res, html } = await page(ZOE);
    expect(res.statusCode).toBe(200);
    expect(html).toContain('<body class="friend">');
    expect(tagText(html, 'h1')).toBe("Now we're friends, Zoë Ñúñez (zoe@example.com)!");
    expect(html).toContain('<p class="emoji">&#x1F46F;</p>'); // 👯
    expect(html).toContain('body.friend{background-color:#228B22;color:#fff}');
    expect(html).not.toContain('Howdy, internet stranger!');
  });

  it('accepts a login without @ (headscale CLI users)', async () => {
    const { html } = await page({ 'tailscale-user-login': 'alice', 'tailscale-user-name': 'Alice' });
    expect(tagText(html, 'h1')).toBe("Now we're friends, Alice (alice)!");
  });

  it('is identified by the login alone or the name alone', async () => {
    expect(tagText((await page({ 'tailscale-user-login': 'bob@example.com' })).html, 'h1')).toBe("Now we're friends, bob@example.com!");
    await app!.close();
    expect(tagText((await page({ 'tailscale-user-name': 'Bob' })).html, 'h1')).toBe("Now we're friends, Bob!");
  });

  it('shows the profile picture when it is an https URL', async () => {
    const { html } = await page({ ...ZOE, 'tailscale-user-profile-pic': 'https://lh3.example.com/a/pic.png?sz=96&x=1' });
    // The initials under the picture: what shows when the picture fails (alt="" renders nothing).
    expect(html).toContain(
      '<div class="avatar"><span class="initials" aria-hidden="true">ZÑ</span><img src="https://lh3.example.com/a/pic.png?sz=96&amp;x=1" alt="" data-initials="ZÑ"',
    );
  });

  it('shows the initials alone without a profile picture', async () => {
    const { html } = await page(ZOE);
    expect(html).toContain('<div class="avatar"><span class="initials" aria-hidden="true">ZÑ</span></div>');
  });

  it.each([['http://example.com/pic.png'], ['javascript:alert(1)'], ['data:image/png;base64,AAAA'], ['not a url']])(
    'ignores a non-https profile picture: %s',
    async (pic) => {
      const { html } = await page({ ...ZOE, 'tailscale-user-profile-pic': pic });
      expect(html).toContain('<body class="friend">');
      expect(html).not.toContain('<img');
    },
  );

  it('switches to projector mode with ?booth, and only then', async () => {
    expect((await page()).html).toContain('<body class="stranger">');
    for (const url of ['/?booth', '/?booth=1', '/?x=1&booth']) {
      const res = await app!.inject({ method: 'GET', url, headers: ZOE });
      expect(res.body).toContain('<body class="friend booth">');
    }
    const res = await app!.inject({ method: 'GET', url: '/?boothx' });
    expect(res.body).toContain('<body class="stranger">');
  });

  it('shows the stranger view to a Funnel visitor, even with identity headers', async () => {
    const { html } = await page({ ...ZOE, 'tailscale-funnel-request': '?1' });
    expect(html).toContain('<body class="stranger">');
    expect(html).not.toContain('Zoë');
    expect(tagText(html, 'h1')).toBe('Howdy, internet stranger!');
  });
});

describe('GET / escaping', () => {
  const xss = '<script>alert(1)</script>';

  it('escapes a script in the name', async () => {
    const { html } = await page({ 'tailscale-user-name': xss, 'tailscale-user-login': 'x@example.com' });
    expect(tagText(html, 'h1')).toBe("Now we're friends, &lt;script&gt;alert(1)&lt;/script&gt; (x@example.com)!");
    expect(html).not.toContain('<script');
  });

  it('escapes a script in the login', async () => {
    const { html } = await page({ 'tailscale-user-login': `"><img src=x onerror=alert(1)>${xss}` });
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
  });

  it('escapes a script in an RFC 2047 encoded name', async () => {
    const { html } = await page({ 'tailscale-user-name': '=?utf-8?q?=3Cscript=3Ealert(1)=3C/script=3E?=', 'tailscale-user-login': 'x' });
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
  });

  it('escapes arbitrary header names and values in the details list', async () => {
    const { html } = await page({ 'x-evil': xss, 'x-quote': `a"b'c&d` });
    expect(html).toContain('<details><summary>See all incoming headers</summary>');
    expect(html).toContain('<li><b>x-evil</b>: &lt;script&gt;alert(1)&lt;/script&gt;</li>');
    expect(html).toContain('<li><b>x-quote</b>: a&quot;b&#39;c&amp;d</li>');
    expect(html).not.toContain('<script');
  });

  it('lists every other request header in the details block, the identity headers highlighted above it', async () => {
    const { html } = await page({ ...ZOE, 'x-one': '1', 'user-agent': 'vitest' });
    const list = /<ul id="headers-list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
    expect(list).toContain('<li><b>x-one</b>: 1</li>');
    expect(list).toContain('<li><b>user-agent</b>: vitest</li>');
    expect(list).not.toContain('tailscale-user-');
    const identity = /<section class="identity">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(identity).toContain(
      '<dt>tailscale-user-name</dt><dd><span class="decoded">Zoë Ñúñez</span><small class="raw">raw: <code>=?utf-8?q?Zo=C3=AB_=C3=91=C3=BA=C3=B1ez?=</code></small></dd>',
    );
    expect(identity).toContain('<dt>tailscale-user-login</dt><dd><span class="decoded">zoe@example.com</span></dd>');
  });

  it('lists all headers in the stranger view (nothing to highlight)', async () => {
    const { html } = await page({ 'x-one': '1' });
    expect(html).not.toContain('<section class="identity">');
    expect(html).toContain('<summary>See all incoming headers</summary>');
  });
});

describe('GET / social meta tags', () => {
  it('always has og:title, og:description and twitter:card; no og:url/og:image without TAILSCALE_URL', async () => {
    const { html } = await page();
    expect(metaContent(html, 'og:title')).toBe('Tailscale identity headers demo');
    expect(metaContent(html, 'og:description')).toMatch(/identity headers/);
    // No image without TAILSCALE_URL, so no large-image card.
    expect(metaContent(html, 'twitter:card')).toBe('summary');
    expect(metaContent(html, 'og:url')).toBeUndefined();
    expect(metaContent(html, 'og:image')).toBeUndefined();
  });

  it.each([['https://demo.example.ts.net'], ['https://demo.example.ts.net/'], ['https://demo.example.ts.net//']])(
    'with TAILSCALE_URL=%s: og:url and an absolute og:image without a double slash',
    async (url) => {
      const { html } = await page({}, { tailscaleUrl: url });
      expect(metaContent(html, 'og:url')).toBe('https://demo.example.ts.net');
      expect(metaContent(html, 'og:image')).toBe('https://demo.example.ts.net/static/social.png');
      expect(metaContent(html, 'twitter:card')).toBe('summary_large_image');
    },
  );

  it('has the same meta tags in the friend view', async () => {
    const { html } = await page(ZOE, { tailscaleUrl: 'https://demo.example.ts.net' });
    expect(metaContent(html, 'og:image')).toBe('https://demo.example.ts.net/static/social.png');
    expect(metaContent(html, 'twitter:card')).toBe('summary_large_image');
  });
});

describe('spoofed identity headers from a non-loopback peer (inject remoteAddress)', () => {
  it('serves the stranger view and logs a warning naming the peer', async () => {
    const { html } = await page(ZOE, {}, '10.213.0.2');
    expect(html).toContain('<body class="stranger">');
    expect(html).not.toContain('Zoë');
    const warning = logs.find((l) => l.level === 40);
    expect(warning?.msg).toBe('ignored Tailscale identity headers from non-loopback peer 10.213.0.2');
    expect(warning?.peer).toBe('10.213.0.2');
    expect(warning?.headers).toEqual(['tailscale-user-login', 'tailscale-user-name']);
  });

  it('does not warn for a non-loopback peer without identity headers', async () => {
    const { html } = await page({ 'user-agent': 'x' }, {}, '10.213.0.2');
    expect(html).toContain('<body class="stranger">');
    expect(logs.filter((l) => l.level >= 40)).toEqual([]);
  });

  it.each([['127.0.0.1'], ['127.1.2.3'], ['::1'], ['::ffff:127.0.0.1']])('trusts loopback peer %s', async (addr) => {
    const { html } = await page(ZOE, {}, addr);
    expect(html).toContain('<body class="friend">');
  });

  it.each([['::ffff:10.0.0.1'], ['192.168.1.10'], ['fe80::1'], ['128.0.0.1']])('does not trust %s', async (addr) => {
    const { html } = await page(ZOE, {}, addr);
    expect(html).toContain('<body class="stranger">');
  });

  it('ignores X-Forwarded-For claiming loopback', async () => {
    const { html } = await page({ ...ZOE, 'x-forwarded-for': '127.0.0.1' }, {}, '10.213.0.2');
    expect(html).toContain('<body class="stranger">');
  });

  it('limits spoof warnings per minute and counts the dropped ones', async () => {
    start({ spoofWarningsPerMinute: 2 });
    for (let i = 0; i < 5; i++) await app!.inject({ url: '/', headers: ZOE, remoteAddress: '10.213.0.2' });
    expect(logs.filter((l) => l.level === 40)).toHaveLength(2);
  });
});

describe('access filters (ALLOWED_DOMAINS / ALLOWED_USERS)', () => {
  async function status(login: string, options: AppOptions): Promise<{ code: number; html: string }> {
    const res = await start(options).inject({ url: '/', headers: { 'tailscale-user-login': login, 'tailscale-user-name': 'N' } });
    await app!.close();
    return { code: res.statusCode, html: res.body };
  }

  it('domains only: the part after the last @, case-insensitive', async () => {
    const opts = { allowedDomains: ['example.com'] };
    expect((await status('zoe@Example.COM', opts)).code).toBe(200);
    expect((await status('a@b@example.com', opts)).code).toBe(200);
    expect((await status('zoe@example.com.evil.net', opts)).code).toBe(403);
    expect((await status('zoe@other.org', opts)).code).toBe(403);
    expect((await status('alice', opts)).code).toBe(403);
  });

  it('users only: the exact login, case-insensitive', async () => {
    const opts = { allowedUsers: ['Zoe@example.com', 'alice'] };
    expect((await status('zoe@EXAMPLE.com', opts)).code).toBe(200);
    expect((await status('alice', opts)).code).toBe(200);
    expect((await status('alice2', opts)).code).toBe(403);
    expect((await status('bob@example.com', opts)).code).toBe(403);
  });

  it('both: a login must pass every configured filter', async () => {
    const opts = { allowedDomains: ['example.com'], allowedUsers: ['zoe@example.com', 'bob@other.org'] };
    expect((await status('zoe@example.com', opts)).code).toBe(200);
    expect((await status('ann@example.com', opts)).code).toBe(403); // domain ok, user not listed
    expect((await status('bob@other.org', opts)).code).toBe(403); // user listed, domain not allowed
  });

  it('renders a friendly 403 page that names the visitor, escaped', async () => {
    const { code, html } = await status('<b>eve</b>@evil.net', { allowedDomains: ['example.com'] });
    expect(code).toBe(403);
    expect(html).toContain('<body class="forbidden">');
    expect(tagText(html, 'h1')).toBe("Sorry, N (&lt;b&gt;eve&lt;/b&gt;@evil.net): you are not on this demo's guest list.");
    expect(html).toContain('<details>');
    expect(html).not.toContain('<b>eve');
  });

  it('does not filter strangers or funnel visitors', async () => {
    const res = await start({ allowedDomains: ['example.com'] }).inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<body class="stranger">');
    const funnel = await app!.inject({ url: '/', headers: { 'tailscale-user-login': 'x@evil.net', 'tailscale-funnel-request': '?1' } });
    expect(funnel.statusCode).toBe(200);
  });

  it('/whoami answers 403 for a filtered visitor', async () => {
    const res = await start({ allowedUsers: ['alice'] }).inject({ url: '/whoami', headers: { 'tailscale-user-login': 'bob' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ identified: true, login: 'bob' });
  });
});

describe('GET /whoami', () => {
  it('reports the decoded identity', async () => {
    const res = await start().inject({ url: '/whoami', headers: { ...ZOE, 'tailscale-user-profile-pic': 'https://x.example/p.png' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      identified: true,
      login: 'zoe@example.com',
      name: 'Zoë Ñúñez',
      profilePic: 'https://x.example/p.png',
      funnel: false,
    });
  });

  it('reports a stranger', async () => {
    const res = await start().inject({ url: '/whoami' });
    expect(res.json()).toEqual({ identified: false, login: '', name: '', profilePic: null, funnel: false });
  });

  it('reports a funnel visitor', async () => {
    const res = await start().inject({ url: '/whoami', headers: { 'tailscale-funnel-request': '?1' } });
    expect(res.json()).toEqual({ identified: false, login: '', name: '', profilePic: null, funnel: true });
  });

  it('reports a spoofing non-loopback peer as unidentified', async () => {
    const res = await start().inject({ url: '/whoami', headers: ZOE, remoteAddress: '10.213.9.2' });
    expect(res.json()).toMatchObject({ identified: false, login: '', name: '' });
  });
});

describe('other routes', () => {
  it('GET /healthz answers {"status":"ok"}', async () => {
    const res = await start().inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /static/social.png serves the 1200x630 PNG, loadable cross-origin', async () => {
    const res = await start().inject({ url: '/static/social.png' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const png = res.rawPayload;
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(1200);
    expect(png.readUInt32BE(20)).toBe(630);
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it('404s unknown static files and paths, with security headers', async () => {
    start();
    for (const url of ['/static/nope.png', '/static/..%2fapp.ts', '/nope']) {
      const res = await app!.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['content-security-policy'], url).toBeDefined();
    }
  });

  it('HEAD / answers without a body', async () => {
    const res = await start().inject({ method: 'HEAD', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });
});

describe('security headers', () => {
  it('sends a strict CSP that allows the inline style by hash and https avatars', async () => {
    const res = await start().inject({ url: '/', headers: ZOE });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+={0,2}'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("img-src 'self' https:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('the CSP hash matches the page style element exactly', async () => {
    const { createHash } = await import('node:crypto');
    const res = await start().inject({ url: '/' });
    const style = /<style>([\s\S]*?)<\/style>/.exec(res.body)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    expect(String(res.headers['content-security-policy'])).toContain(`style-src 'sha256-${hash}'`);
  });
});

describe('errors (a failing route: here the spoof warning throws, its log sink being broken)', () => {
  function failing(): { app: FastifyInstance; errors: LogLine[] } {
    const errors: LogLine[] = [];
    const write = (line: string): void => {
      const entry = JSON.parse(line) as LogLine;
      if (entry.level === 40) throw new Error('log sink down');
      if (entry.level >= 50) errors.push(entry);
    };
    return { app: start({ logger: { level: 'info', stream: { write } } }), errors };
  }
  const spoof = { headers: ZOE, remoteAddress: '10.213.0.2' };
  const body500 = { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' };

  it.each(['/', '/whoami'])('GET %s answers a 500 with the security headers, the details only in the log', async (url) => {
    const { app: a, errors } = failing();
    const res = await a.inject({ url, ...spoof });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(body500);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(errors.map((l) => [l.msg, l.url, (l.err as { message?: string } | undefined)?.message])).toEqual([
      ['request failed', url, 'log sink down'],
    ]);
  });

  it('answers a 400 from fastify (an unparsable JSON body) with the same JSON shape', async () => {
    const res = await start().inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: '{' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('logging', () => {
  it('does not log requests at info level', async () => {
    const a = start();
    await a.inject({ url: '/' });
    await a.inject({ url: '/whoami', headers: ZOE });
    await a.inject({ url: '/nope' });
    expect(logs.filter((l) => /request/.test(l.msg))).toEqual([]);
  });
});

describe('over a real socket (the fast path that bypasses fastify routing for GET /)', () => {
  async function listen(options: AppOptions = {}): Promise<string> {
    const a = start(options);
    await a.listen({ host: '127.0.0.1', port: 0 });
    const address = a.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    return `http://127.0.0.1:${address.port}`;
  }

  it('serves the same page as the fastify route, with the same headers', async () => {
    const base = await listen({ tailscaleUrl: 'https://demo.example.ts.net' });
    const viaSocket = await fetch(`${base}/?utm=1`, { headers: ZOE });
    const viaInject = await app!.inject({ url: '/', headers: { ...ZOE, host: new URL(base).host } });
    const body = await viaSocket.text();
    expect(viaSocket.status).toBe(200);
    expect(body).toContain("Now we're friends, Zoë Ñúñez (zoe@example.com)!");
    expect(body).toContain('<meta property="og:image" content="https://demo.example.ts.net/static/social.png">');
    for (const name of [
      'content-security-policy',
      'content-type',
      'cache-control',
      'x-content-type-options',
      'strict-transport-security',
    ]) {
      expect(viaSocket.headers.get(name), name).toBe(viaInject.headers[name]);
    }
    expect(Number(viaSocket.headers.get('content-length'))).toBe(Buffer.byteLength(body));
  });

  it('answers HEAD / without a body and a 403 for filtered visitors', async () => {
    const base = await listen({ allowedUsers: ['alice'] });
    const head = await fetch(base, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const denied = await fetch(base, { headers: { 'tailscale-user-login': 'bob' } });
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('<body class="forbidden">');
  });

  it('leaves every other path to fastify', async () => {
    const base = await listen();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/static/social.png`)).headers.get('content-type')).toBe('image/png');
    expect((await fetch(`${base}/index.html`)).status).toBe(404);
    expect((await fetch(base, { method: 'POST' })).status).toBe(404);
  });
});

describe('isPageRequest', () => {
  const req = (method: string, url: string) => ({ method, url }) as IncomingMessage;
  it('takes GET and HEAD of / with any query string', () => {
    expect(isPageRequest(req('GET', '/'))).toBe(true);
    expect(isPageRequest(req('HEAD', '/'))).toBe(true);
    expect(isPageRequest(req('GET', '/?a=1'))).toBe(true);
  });
  it('leaves everything else to fastify', () => {
    for (const [m, u] of [
      ['POST', '/'],
      ['GET', '/whoami'],
      ['GET', '//'],
      ['GET', '/index.html'],
      ['OPTIONS', '/'],
    ] as const) {
      expect(isPageRequest(req(m, u)), `${m} ${u}`).toBe(false);
    }
  });
});
