/**
 * Spoofed identity headers from a REAL non-loopback peer: a network namespace joined to the host by a
 * veth pair (10.213.<n>.1 on the host, .2 inside). The app listens on 0.0.0.0; a client inside the
 * namespace sends Tailscale-User-* headers and must get the stranger view, and the server must log a
 * warning naming 10.213.<n>.2. The same request over 127.0.0.1 gets the friend view.
 * Only addresses inside the namespace made here are contacted.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netns, runId } from '../helpers/requirements.js';
import { bundleApp, startServer, type Bundle, type RunningServer } from '../unit/app/server-process.js';

const req = netns();

const ns = `df-spoof-${runId}`;
// Interface names are at most 15 characters.
const vethHost = `${`dfs${runId}`.slice(0, 13)}h`;
const vethNs = `${`dfs${runId}`.slice(0, 13)}n`;

const SPOOF = {
  'Tailscale-User-Login': 'ceo@example.com',
  'Tailscale-User-Name': '=?utf-8?q?Spoofy_McSpoofa=C3=A7e?=',
  'Tailscale-User-Profile-Pic': 'https://avatars.example.com/ceo.png',
};

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A 10.213.<n>.0/30 not already on any host interface. */
function freeSubnet(): number {
  const used = ip('-4', '-o', 'addr', 'show');
  for (let attempt = 0; attempt < 50; attempt++) {
    const n = 1 + Math.floor(Math.random() * 254);
    if (!used.includes(`10.213.${n}.`)) return n;
  }
  throw new Error('no free 10.213.<n>.0/30 subnet');
}

/** Run a fetch inside the namespace with node; returns status, body, and the address the client used. */
function fetchFromNamespace(url: string, headers: Record<string, string>): { status: number; body: string } {
  const script = `
    fetch(${JSON.stringify(url)}, { headers: ${JSON.stringify(headers)} })
      .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))
      .catch((e) => { process.stderr.write(String(e && e.cause || e)); process.exit(1); });`;
  const out = execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as { status: number; body: string };
}

describe.skipIf(!req.ok)('spoofed identity headers from a non-loopback peer (netns + veth)', () => {
  let n = 0;
  let hostAddr = '';
  let nsAddr = '';
  let bundle: Bundle | undefined;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    n = freeSubnet();
    hostAddr = `10.213.${n}.1`;
    nsAddr = `10.213.${n}.2`;
    ip('netns', 'add', ns);
    ip('link', 'add', vethHost, 'type', 'veth', 'peer', 'name', vethNs);
    ip('link', 'set', vethNs, 'netns', ns);
    ip('addr', 'add', `${hostAddr}/30`, 'dev', vethHost);
    ip('link', 'set', vethHost, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddr}/30`, 'dev', vethNs);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', vethNs, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');

    bundle = await bundleApp();
    server = await startServer(bundle.entry, { HOST: '0.0.0.0' });
    expect(server.logs.filter((l) => /listening/.test(l.msg)).map((l) => l.msg)).toEqual([
      `identity demo listening on http://0.0.0.0:${server.port}`,
    ]);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await bundle?.remove();
    // Deleting the namespace removes its veth end, which removes the peer; delete both anyway.
    for (const args of [
      ['netns', 'del', ns],
      ['link', 'del', vethHost],
    ]) {
      try {
        ip(...args);
      } catch {
        // already gone
      }
    }
    expect(ip('netns', 'list')).not.toContain(ns);
  });

  it('the namespace really is another peer: it reaches the app at the host end of the veth', () => {
    const res = fetchFromNamespace(`http://${hostAddr}:${server!.port}/healthz`, {});
    expect(res).toEqual({ status: 200, body: '{"status":"ok"}' });
  });

  it('GET / with spoofed identity headers from the namespace gets the stranger view', () => {
    const res = fetchFromNamespace(`http://${hostAddr}:${server!.port}/`, SPOOF);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<body class="stranger">');
    expect(res.body).toContain('Howdy, internet stranger!');
    expect(/<h1>(.*)<\/h1>/.exec(res.body)?.[1]).toBe('Howdy, internet stranger!');
    // Never decoded nor shown as an identity; only listed, raw and escaped, among the request headers.
    expect(res.body).not.toContain('McSpoofaçe');
    expect(res.body).not.toContain('<img');
    expect(res.body.toLowerCase()).toContain('<li><b>tailscale-user-login</b>: ceo@example.com</li>');
  });

  it('GET /whoami with spoofed identity headers from the namespace is not identified', () => {
    const res = fetchFromNamespace(`http://${hostAddr}:${server!.port}/whoami`, SPOOF);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ identified: false, login: '', name: '', profilePic: null, funnel: false });
  });

  it('the server log warns about the spoof, naming the peer address', async () => {
    const warning = await server!.waitForLog((l) => l.level === 40 && l.peer === nsAddr);
    expect(warning.msg).toBe(`ignored Tailscale identity headers from non-loopback peer ${nsAddr}`);
    expect(warning.headers).toEqual(['tailscale-user-login', 'tailscale-user-name', 'tailscale-user-profile-pic']);
  });

  it('the same headers over 127.0.0.1 (as from tailscale serve) get the friend view', async () => {
    const res = await fetch(`http://127.0.0.1:${server!.port}/`, { headers: SPOOF });
    const html = await res.text();
    expect(html).toContain('<body class="friend">');
    expect(html).toContain("Now we're friends, Spoofy McSpoofaçe (ceo@example.com)!");
    const who = await (await fetch(`http://127.0.0.1:${server!.port}/whoami`, { headers: SPOOF })).json();
    expect(who).toMatchObject({ identified: true, login: 'ceo@example.com', name: 'Spoofy McSpoofaçe' });
    // No warning for the trusted loopback peer.
    expect(server!.logs.filter((l) => l.level === 40 && l.peer !== nsAddr)).toEqual([]);
  });
});
