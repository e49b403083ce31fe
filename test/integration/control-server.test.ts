/**
 * The fleet's own control server (`controlServer:`), as a user runs it: `up` starts headscale as an
 * accessory (`<name>-headscale`, the real binary in the test image standing in for the official one),
 * mints every new event node's key inside it and brings the events to served; status shows it; a
 * release change backs its database up and keeps the nodes; down keeps it unless asked.
 *
 *   1. up from nothing: network, accessory, keys minted inside it, every event served; a visitor is greeted
 *   2. up again: the accessory is kept as it is, nothing is re-created
 *   3. a release change (the oldest to the newest version run here): database backed up, the nodes stay served
 *   3b. `exec headscale -- headscale …` reaches it; retire deletes an event's node through it
 *   3c. the fleet renamed: a second headscale on the same state dir is refused
 *   4. down keeps the accessory; down --with-control-server removes it (the state dir stays)
 *   4b. then a step back in release is refused from the state dir's own record
 *   5. bad input: a controlServer the file cannot have is one line naming the field, nothing changes
 *
 * The login server must be an IP on the test's own network (test/fixtures/real-tailnet/FINDINGS.md: a
 * name with a port makes tailscale 1.102 try :443), so the network has a subnet and the accessory `ip:`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../cli/fleet/file.js';
import { docker, exec, expectOk, fleets, inspectContainer, type TestFleet } from '../helpers/engine-fixture.js';
import {
  buildRealTailnetImages,
  EVENT_BASE_IMAGE,
  headscaleVersionsToRun,
  runVisitor,
  type TailnetNode,
  realTailnetReady,
} from '../helpers/real-tailnet.js';
import { runId } from '../helpers/requirements.js';

const ready = realTailnetReady();
const VERSIONS = headscaleVersionsToRun();
/** Start on the release before the newest run here, move to the newest in scenario 3 (one minor at a time, as headscale upgrades). */
const LAST = VERSIONS[VERSIONS.length - 1]!;
const FIRST = VERSIONS[VERSIONS.length - 2] ?? LAST;
const plain = (v: string) => v.replace(/^v/, '');
const ADA = { name: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace' };

interface StatusRow {
  event: string;
  tailnet: string;
  url: string | null;
}

describe.skipIf(!ready)('the control server accessory on the real binaries', () => {
  const make = fleets();
  const subnet = 200 + (Number.parseInt(runId.replace(/\D/g, '').slice(-2) || '0', 10) % 50);
  const network = `demo-fleet-cs-${runId}`;
  const serverIp = `10.${subnet}.77.10`;
  const serverUrl = `http://${serverIp}:8080`;
  const baseDomain = 'cs.tailnet.test';
  let f: TestFleet;
  let year = 0;
  let visitor: TailnetNode | undefined;
  const visitorName = `demo-fleet-cs-${runId}-visitor`;
  const fqdn = (event: string) => `${event}${year}.${baseDomain}`;
  const up = (args: string[] = []) => f.cli(['up', '--base-image', EVENT_BASE_IMAGE, '--wait-timeout', '120', ...args]);
  const status = async () =>
    Object.fromEntries((JSON.parse(expectOk(await f.cli(['status', '--json']), 'status').stdout) as StatusRow[]).map((r) => [r.event, r]));
  const headscale = (args: string[]) => exec('docker', ['exec', f.container('headscale'), 'headscale', ...args]);
  const controlServerBlock = (version: string) =>
    `network: ${network}\ncontrolServer:\n  version: "${plain(version)}"\n  image: demo-fleet-test/headscale\n  url: ${serverUrl}\n  ip: ${serverIp}\n  baseDomain: ${baseDomain}\n`;
  const setVersion = async (version: string) => {
    const text = await readFile(f.file, 'utf8');
    await writeFile(f.file, text.replace(/ {2}version: "[^"]+"/, `  version: "${plain(version)}"`));
  };

  beforeAll(async () => {
    await buildRealTailnetImages();
    await docker([
      'network',
      'create',
      '--internal',
      '--subnet',
      `10.${subnet}.77.0/24`,
      '--label',
      `dev.demo-fleet.test=${network}`,
      network,
    ]);
    f = await make({ events: { alpha: [], beta: [] }, keyless: ['alpha', 'beta'] });
    await writeFile(f.file, `${await readFile(f.file, 'utf8')}${controlServerBlock(FIRST)}`);
    year = (await loadFleet(f.file)).fleet.year;
  });

  afterAll(async () => {
    if (visitor) await exec('docker', ['rm', '-f', visitorName]);
    await f?.cli(['down', '--with-control-server']);
    // fleets() removes the fleet's containers (the accessory carries the fleet label) after this hook
    await exec('docker', ['rm', '-f', f?.container('headscale') ?? 'none']);
    await exec('docker', ['network', 'rm', network]);
  });

  it('1. up from nothing: the accessory runs, mints each new node a key inside itself, and every event is served', async () => {
    const dry = expectOk(await f.cli(['up', '--dry-run']), 'up --dry-run');
    expect(dry.stderr).toContain(`would create it (network ${network}`);
    expect(await inspectContainer(f.container('headscale'))).toBeNull();
    const r = await up();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`==> control server ${f.container('headscale')} (headscale ${plain(FIRST)})`);
    expect(r.stderr).toMatch(/alpha: minted auth key \S+ on headscale/);
    expect(r.stderr).toMatch(/beta: auth key \S+ revoked/);
    const rows = await status();
    expect(rows.alpha).toMatchObject({ tailnet: 'served', url: `http://${fqdn('alpha')}:443` });
    expect(rows.beta).toMatchObject({ tailnet: 'served', url: `http://${fqdn('beta')}:443` });
    const text = expectOk(await f.cli(['status']), 'status').stdout;
    expect(text).toContain(`control server: ${f.container('headscale')} running (headscale ${plain(FIRST)}) ${serverUrl}`);
    // the nodes belong to the accessory's user
    const nodes = JSON.parse((await headscale(['nodes', 'list', '-o', 'json'])).stdout) as Array<{
      given_name: string;
      user?: { name: string };
    }>;
    expect(nodes.map((n) => [n.given_name, n.user?.name]).sort()).toEqual([
      [`alpha${year}`, 'demo-fleet'],
      [`beta${year}`, 'demo-fleet'],
    ]);
    // a visitor of its own user, greeted by name through alpha's serve
    const user = JSON.parse(
      (await headscale(['users', 'create', ADA.name, '--email', ADA.email, '--display-name', ADA.displayName, '-o', 'json'])).stdout,
    ) as { id: string | number };
    const key = JSON.parse((await headscale(['preauthkeys', 'create', '--user', String(user.id), '-o', 'json'])).stdout) as { key: string };
    visitor = await runVisitor(visitorName, ['--network', network, '--label', `dev.demo-fleet.test=${network}`]);
    const joined = await visitor.tailscale(
      ['up', `--login-server=${serverUrl}`, `--auth-key=${key.key}`, '--hostname=ada-laptop', '--timeout=60s'],
      90_000,
    );
    expect(joined.code, joined.stderr).toBe(0);
    await visitor.waitRunning();
    const page = await visitor.fetch(fqdn('alpha'), 443, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Now we're friends, ${ADA.displayName} (${ADA.email})`);
  });

  it('2. up again keeps the accessory and every event as they are', async () => {
    const before = (await inspectContainer(f.container('headscale')))!.Id;
    const r = expectOk(await up(), 'up again');
    expect(r.stderr).toMatch(/control server .*\n\s+unchanged/);
    expect(r.stderr).not.toMatch(/minted auth key/);
    expect((await inspectContainer(f.container('headscale')))!.Id).toBe(before);
  });

  it('2b. an image the engine cannot get: up fails with what it is and the fix before the running accessory is touched', async () => {
    const before = (await inspectContainer(f.container('headscale')))!.Id;
    const text = await readFile(f.file, 'utf8');
    try {
      await writeFile(f.file, text.replace('image: demo-fleet-test/headscale', `image: demo-fleet-test/no-such-headscale-${runId}`));
      const r = await up();
      expect(r.code).toBe(7); // a registry failure (cli/errors.ts)
      expect(r.stderr).toMatch(/pull of demo-fleet-test\/no-such-headscale-\S+ failed: .*fix: .*controlServer\.image/);
      const still = await inspectContainer(f.container('headscale'));
      expect(still?.Id).toBe(before);
      expect(still?.State.Running).toBe(true);
    } finally {
      await writeFile(f.file, text);
    }
  });

  it.skipIf(FIRST === LAST)('3. a release change backs the database up, re-creates the accessory, and the nodes stay served', async () => {
    await setVersion(LAST);
    const r = expectOk(await up(), `up on ${LAST}`);
    expect(r.stderr).toMatch(
      new RegExp(
        `database of headscale ${plain(FIRST).replaceAll('.', '\\.')} backed up to \\S+backup-${plain(FIRST).replaceAll('.', '\\.')}-`,
      ),
    );
    const stateDir = path.join(f.dir, 'appdata', 'control-server');
    const backup = readdirSync(stateDir).find((d) => d.startsWith(`backup-${plain(FIRST)}-`));
    expect(backup).toBeDefined();
    expect(readdirSync(path.join(stateDir, backup!))).toContain('db.sqlite');
    expect(r.stderr).not.toMatch(/minted auth key/); // same nodes: their state dirs kept them
    const rows = await status();
    expect(rows.alpha).toMatchObject({ tailnet: 'served' });
    expect(rows.beta).toMatchObject({ tailnet: 'served' });
    expect((await visitor!.fetch(fqdn('beta'), 443, '/')).status).toBe(200);
  });

  it('3b. exec headscale runs its CLI; retire beta deletes its node through the accessory', async () => {
    const listed = expectOk(await f.cli(['exec', 'headscale', '--', 'headscale', 'nodes', 'list', '-o', 'json']), 'exec headscale');
    expect((JSON.parse(listed.stdout) as Array<{ given_name: string }>).map((n) => n.given_name)).toContain(`beta${year}`);
    const r = expectOk(await f.cli(['retire', 'beta']), 'retire beta');
    expect(r.stderr).toMatch(/beta: .*node.*deleted/i);
    const nodes = JSON.parse((await headscale(['nodes', 'list', '-o', 'json'])).stdout) as Array<{ given_name: string }>;
    expect(nodes.map((n) => n.given_name)).not.toContain(`beta${year}`);
    expect(nodes.map((n) => n.given_name)).toContain(`alpha${year}`);
  });

  it('3c. the fleet renamed in the file: up refuses a second headscale on the same state dir before anything starts', async () => {
    const text = await readFile(f.file, 'utf8');
    try {
      await writeFile(f.file, text.replace(/^name: (\S+)$/m, 'name: $1-renamed'));
      const r = await up();
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(`${f.container('headscale')} already runs on the control server's state dir`);
      expect(await inspectContainer(`${f.name}-renamed-headscale`)).toBeNull();
    } finally {
      await writeFile(f.file, text);
    }
  });

  it('4. down keeps the control server; down --with-control-server removes it and keeps its state dir', async () => {
    const r = expectOk(await f.cli(['down']), 'down');
    expect(r.stderr).toContain('kept (`down --with-control-server` removes it)');
    expect((await inspectContainer(f.container('headscale')))?.State.Running).toBe(true);
    const st = await f.cli(['status']);
    expect(st.stdout).toContain(`control server: ${f.container('headscale')} running`);
    expectOk(await f.cli(['down', '--with-control-server']), 'down --with-control-server');
    expect(await inspectContainer(f.container('headscale'))).toBeNull();
    // the network is the test's (not made by the fleet): kept
    expect((await exec('docker', ['network', 'inspect', network])).code).toBe(0);
    expect(existsSync(path.join(f.dir, 'appdata', 'control-server', 'db.sqlite'))).toBe(true);
    const after = await f.cli(['status']);
    expect(after.stdout).toContain(`control server: ${f.container('headscale')} missing`);
  });

  it.skipIf(FIRST === LAST)(
    '4b. with no container left, the state dir still says which release its database is of: a step back is refused',
    async () => {
      await setVersion(FIRST);
      try {
        const r = await up();
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`its database was last run by headscale ${plain(LAST)}`);
        expect(await inspectContainer(f.container('headscale'))).toBeNull();
      } finally {
        await setVersion(LAST);
      }
    },
  );

  it('5. a controlServer the file cannot have: one line naming the field, exit 2, nothing changes', async () => {
    const good = await readFile(f.file, 'utf8');
    try {
      await writeFile(f.file, `${good}loginServer: https://hs.example.com\n`);
      const r = await f.cli(['up', '--dry-run']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/fleet\.yaml:\d+.*loginServer.*the control server is the login server: remove loginServer/);
      await writeFile(f.file, good.replace(`baseDomain: ${baseDomain}`, `baseDomain: ${serverIp.split('.').slice(1).join('.')}`));
      const r2 = await f.cli(['up', '--dry-run']);
      expect(r2.code).toBe(2);
    } finally {
      await writeFile(f.file, good);
    }
    expect(await inspectContainer(f.container('headscale'))).toBeNull();
  });
});
