/**
 * "Done means served", on the tailnet model (test/fixtures/tailnet-model): a fleet of four events whose
 * nodes end in the four states a person can act on, read by `up` and `status` from inside each container.
 *   alpha  auth key                → served; friend view through the modelled serve, with identity headers
 *   beta   auth key, Funnel        → served with Funnel on; a Funnel visitor gets the stranger view
 *   gamma  no key                  → waiting for login: <URL>; after the (modelled) login, served
 *   delta  HTTPS certificates off  → "serve not configured: enable HTTPS certificates for the tailnet"
 * Then: a serve-mode change on an existing node is reset and served; a login-server change is refused.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../cli/fleet/file.js';
import { stateDir } from '../../cli/fleet/naming.js';
import {
  docker,
  ensureBaseImage,
  expectOk,
  fleets,
  inspectContainer,
  MODEL_SUFFIX,
  type TestFleet,
  visitModelServe,
} from '../helpers/engine-fixture.js';
import { dockerEngine } from '../helpers/requirements.js';

const engine = dockerEngine();

interface UpJson {
  plan: Array<{ event: string; action: string; line: string }>;
  results: Array<{ event: string; ok: boolean; needsPerson?: boolean; status: string; url?: string }>;
}
interface StatusRow {
  event: string;
  tailnet: string;
  url: string | null;
  funnel: boolean | null;
  loginUrl: string | null;
}

/** GET / through the modelled serve port as the given visitor, with identity headers the client spoofs. */
function visit(f: TestFleet, event: string, host: string, visitor: string): Promise<{ status: number; body: string }> {
  return visitModelServe(f.container(event), {
    Host: host, // the MagicDNS name serve is configured for (fetch() cannot set Host)
    'X-Tailnet-Model-Visitor': visitor,
    // spoofed by the client: serve must drop these
    'Tailscale-User-Login': 'mallory@evil.example',
    'Tailscale-User-Name': 'Mallory',
  });
}

describe.skipIf(!engine.ok)('served: up waits until each event is served on the tailnet (the model)', () => {
  const make = fleets();
  let f: TestFleet;
  let year = 0;
  const host = (e: string) => `${e}${year}.${MODEL_SUFFIX}`;

  beforeAll(async () => {
    await ensureBaseImage();
    f = await make({ events: { alpha: [], beta: ['--funnel'], gamma: [], delta: [] }, keyless: ['gamma'] });
    const { fleet } = await loadFleet(f.file);
    year = fleet.year;
    // delta's tailnet has HTTPS certificates off (a per-event switch of the model; the product never writes it)
    const deltaDir = stateDir(fleet, 'delta', fleet.events.delta!, f.dir);
    await mkdir(deltaDir, { recursive: true });
    await writeFile(path.join(deltaDir, 'tailnet-model.env'), 'TAILNET_MODEL_HTTPS=0\n');
  });

  it('1. up: alpha and beta served, gamma waiting for login with its URL, delta names the tailnet setting; exit 9', async () => {
    const r = await f.up(['--json']);
    expect(r.code, r.stderr).toBe(9);
    const json = JSON.parse(r.stdout) as UpJson;
    const byEvent = Object.fromEntries(json.results.map((x) => [x.event, x]));
    expect(byEvent.alpha).toMatchObject({ ok: true, status: `served https://${host('alpha')}`, url: `https://${host('alpha')}` });
    expect(byEvent.beta).toMatchObject({ ok: true, status: `served https://${host('beta')}` });
    expect(byEvent.gamma).toMatchObject({
      ok: false,
      needsPerson: true,
      status: expect.stringMatching(/^waiting for login: https:\/\/\S+$/),
    });
    expect(byEvent.gamma!.url).toBe(byEvent.gamma!.status.slice('waiting for login: '.length));
    expect(byEvent.delta).toMatchObject({
      ok: false,
      needsPerson: true,
      status: 'serve not configured: enable HTTPS certificates for the tailnet',
    });
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^attention: 2 of 4 event\(s\) need a person: delta \(serve not configured: .*\), gamma \(waiting for login: https:/,
    );
    // a person's job, not a crash: no log dump
    expect(r.stderr).not.toContain('--- last log lines');
  });

  it("2. the friend view through serve, with the visitor's identity (spoofed headers dropped); a Funnel visitor is a stranger", async () => {
    const friend = await visit(f, 'alpha', host('alpha'), 'kind=user&login=ada@example.com&name=Ada+Lovelace');
    expect(friend.status).toBe(200);
    expect(friend.body).toContain("Now we're friends, Ada Lovelace (ada@example.com)!");
    expect(friend.body).not.toContain('Mallory');
    const stranger = await visit(f, 'beta', host('beta'), 'funnel');
    expect(stranger.status).toBe(200);
    expect(stranger.body).toContain('Howdy, internet stranger!');
    expect(stranger.body).not.toContain('Mallory');
    // beta's node serves with Funnel on (read as `up` reads it)
    const serve = JSON.parse(await docker(['exec', f.container('beta'), 'tailscale', 'serve', 'status', '--json'])) as {
      AllowFunnel?: Record<string, boolean>;
    };
    expect(serve.AllowFunnel).toEqual({ [`${host('beta')}:443`]: true });
  });

  it('3. status shows each node: URL, Funnel, the pending login URL, the setting to change', async () => {
    const rows = JSON.parse(expectOk(await f.cli(['status', '--json']), 'status --json').stdout) as StatusRow[];
    const byEvent = Object.fromEntries(rows.map((x) => [x.event, x]));
    expect(byEvent.alpha).toMatchObject({ tailnet: 'served', url: `https://${host('alpha')}`, funnel: false, loginUrl: null });
    expect(byEvent.beta).toMatchObject({ tailnet: 'served', url: `https://${host('beta')}`, funnel: true });
    expect(byEvent.gamma).toMatchObject({ tailnet: 'waiting for login', url: null, loginUrl: expect.stringMatching(/^https:\/\//) });
    expect(byEvent.delta).toMatchObject({ tailnet: 'serve not configured: enable HTTPS certificates for the tailnet', url: null });
    const table = expectOk(await f.cli(['status']), 'status').stdout;
    expect(table).toMatch(new RegExp(`beta\\s+\\S+\\s+running\\s+healthy\\s+https://${host('beta').replaceAll('.', '\\.')} \\(funnel\\)`));
    expect(table).toContain('waiting for login: https://');
  });

  it('4. after the login and the tailnet admin enabling HTTPS, the next up finds every event served: exit 0, nothing re-created', async () => {
    const before = (await inspectContainer(f.container('gamma')))!.Id;
    expect(await docker(['exec', f.container('gamma'), 'tailscale-fixture', 'login', '--login=booth@example.com'])).toContain('logged in');
    await docker(['exec', f.container('delta'), 'tailscale-fixture', 'enable', 'https']);
    const r = expectOk(await f.up(['--json']), 'up after login');
    const json = JSON.parse(r.stdout) as UpJson;
    expect(json.plan.map((p) => p.action)).toEqual(['keep', 'keep', 'keep', 'keep']);
    const byEvent = Object.fromEntries(json.results.map((x) => [x.event, x.status]));
    // alpha and beta are kept and listed healthy: not looked into again (a no-op execs into nothing)
    expect([byEvent.alpha, byEvent.beta]).toEqual(['kept (healthy)', 'kept (healthy)']);
    // gamma and delta were not healthy a moment ago: read inside, served now (or already listed healthy)
    for (const e of ['gamma', 'delta'])
      expect(byEvent[e]).toMatch(new RegExp(`^(served https://${host(e).replaceAll('.', '\\.')}|kept \\(healthy\\))$`));
    expect((await inspectContainer(f.container('gamma')))!.Id).toBe(before);
    const rows = JSON.parse(expectOk(await f.cli(['status', '--json']), 'status --json').stdout) as StatusRow[];
    expect(rows.map((x) => [x.event, x.tailnet, x.url])).toEqual(
      ['alpha', 'beta', 'delta', 'gamma'].map((e) => [e, 'served', `https://${host(e)}`]),
    );
  });

  it("4b. exec runs a command in an event's container: its output and exit code are the command's", async () => {
    const st = expectOk(await f.cli(['exec', 'alpha', '--', 'tailscale', 'status', '--json']), 'exec tailscale status --json');
    expect((JSON.parse(st.stdout) as { BackendState: string }).BackendState).toBe('Running');
    const failing = await f.cli(['exec', 'alpha', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect([failing.code, failing.stdout, failing.stderr]).toEqual([7, 'out\n', 'err\n']);
    const unknown = await f.cli(['exec', 'nope', '--', 'true']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: event "nope" is not in the fleet file (`demo-fleet list` shows the events)\n');
  });

  it('5. a serve-mode change on an existing node: the plan says it resets serve first; the re-created node is served', async () => {
    expectOk(await f.cli(['add', 'alpha', '--update', '--serve-mode', 'http']), 'add --update --serve-mode http');
    const dry = expectOk(await f.up(['--dry-run']), 'up --dry-run').stdout;
    expect(dry).toContain(
      `alpha: recreate ${f.container('alpha')} (configuration changed: env TAILSCALE_SERVE_MODE changed; reset serve https → http in the old container first)`,
    );
    const r = expectOk(await f.up(['--json']), 'up with the serve-mode change');
    const alpha = (JSON.parse(r.stdout) as UpJson).results.find((x) => x.event === 'alpha')!;
    expect(alpha).toMatchObject({ ok: true, status: `served http://${host('alpha')}:443` });
    const serve = JSON.parse(await docker(['exec', f.container('alpha'), 'tailscale', 'serve', 'status', '--json'])) as {
      TCP: Record<string, unknown>;
    };
    expect(serve.TCP).toEqual({ '443': { HTTP: true } });
    const friend = await visit(f, 'alpha', host('alpha'), 'kind=user&login=ada@example.com&name=Ada+Lovelace');
    expect(friend.body).toContain("Now we're friends, Ada Lovelace (ada@example.com)!");
  });

  it('6. a login server set on existing nodes is refused for each, naming the fix; no container changes', async () => {
    const ids = await Promise.all(['alpha', 'beta', 'gamma', 'delta'].map(async (e) => (await inspectContainer(f.container(e)))!.Id));
    const original = await readFile(f.file, 'utf8');
    // headscale needs http and no Funnel: make the file valid for it, so only the node move is wrong
    await writeFile(
      f.file,
      `${original.replace(/^ {4}funnel: true\n/m, '')}loginServer: https://headscale.example.com\n`.replace(
        /serveMode: https/g,
        'serveMode: http',
      ),
    );
    const r = await f.up();
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(
      /alpha: refuse \S+-alpha: its node \(state dir .*alpha\) is registered with Tailscale, the fleet file now says https:\/\/headscale\.example\.com: a node cannot change its login server \(remove loginServer again, or move the state dir aside to make a new node\)/,
    );
    const after = await Promise.all(['alpha', 'beta', 'gamma', 'delta'].map(async (e) => (await inspectContainer(f.container(e)))!.Id));
    expect(after).toEqual(ids);
    await writeFile(f.file, original);
  });
});
