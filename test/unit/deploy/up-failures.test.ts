/**
 * `up` when things go wrong, in-process on the in-memory target with a fake clock (what
 * test/integration/engine-failures.test.ts did against a real engine, where the engine adds nothing): a
 * container of someone else under our name, a stale lock of a killed `up`, a live lock, images whose
 * containers cannot start / exit / crash-loop (only the canary tries them, put back), an event that never
 * becomes healthy (reported at the timeout with its log lines), a node that waits for a login, an engine
 * that refuses a step of a re-create.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { lockRelease, lockStatus } from '../../../cli/deploy/lock-commands.js';
import { eventLogs } from '../../../cli/deploy/logs.js';
import { status } from '../../../cli/deploy/status.js';
import { assertConverged } from '../../../cli/deploy/up.js';
import { DeployError, EXIT, LockedError, NeedsPersonError, UsageError } from '../../../cli/errors.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import { type MemoryFleet, memoryFleet, useFakeClock } from '../../helpers/memory-fleet.js';

useFakeClock();

const EVENTS = ['alpha', 'beta', 'gamma'] as const;
let f: MemoryFleet;
afterEach(() => f?.cleanup());

/** Each event's container ID (null: none under its name). */
function ids(fleet: MemoryFleet = f): Record<string, string | null> {
  return Object.fromEntries(EVENTS.map((e) => [e, fleet.target.container(fleet.container(e))?.id ?? null]));
}

/** The names of every container labelled as the fleet's. */
function labelled(fleet: MemoryFleet = f): string[] {
  return [...fleet.target.all.values()]
    .filter((c) => c.labels[LABELS.fleet] === fleet.name)
    .map((c) => c.name)
    .sort();
}

/** What `up` would end with: the error assertConverged throws, or null when every event is served. */
function verdict(results: Parameters<typeof assertConverged>[0]): Error | null {
  try {
    assertConverged(results);
    return null;
  } catch (err) {
    return err as Error;
  }
}

async function deployed(): Promise<MemoryFleet> {
  f = await memoryFleet({ events: { alpha: [], beta: ['funnel: true'], gamma: [] } });
  const r = await f.up();
  expect(verdict(r.results)).toBeNull();
  return f;
}

/** A pid that surely belongs to no process now: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  const pid = child.pid!;
  await new Promise((r) => child.on('close', r));
  return pid;
}

describe('up on the in-memory target: failures', () => {
  it('a container of someone else under our name: refused (exit 5), untouched, the others converge; once gone, up takes the name', async () => {
    f = await memoryFleet({ events: { alpha: [], beta: ['funnel: true'], gamma: [] } });
    const squatter = f.target.seed({ name: f.container('beta'), labels: { owner: 'someone-else' }, state: 'created' });
    const r = await f.up();
    const beta = r.results.find((x) => x.event === 'beta')!;
    expect(beta).toMatchObject({ action: 'conflict', ok: false });
    expect(f.report.text()).toContain(
      `beta: refuse ${f.container('beta')}: a container with that name was not created by demo-fleet (no dev.demo-fleet labels)`,
    );
    const err = verdict(r.results);
    expect(err).toBeInstanceOf(DeployError);
    expect((err as DeployError).exitCode).toBe(EXIT.deploy);
    expect(err!.message).toBe(
      `1 of 3 event(s) did not converge: beta (refused: ${f.container('beta')} was not created by demo-fleet (no dev.demo-fleet labels))`,
    );
    // untouched: same container, not started, not renamed, labels as they were
    expect(f.target.container(f.container('beta'))).toBe(squatter);
    expect(squatter).toMatchObject({ state: 'created', labels: { owner: 'someone-else' } });
    expect(f.target.calls.filter((c) => c.includes(squatter.id))).toEqual([]);
    expect(r.results.filter((x) => x.event !== 'beta').every((x) => x.ok)).toBe(true);
    expect(await (await f.open()).target.lock.holder(f.name)).toBeNull(); // released after a failed up

    // status names it foreign; logs refuses to pass its output off as the event's
    const rows = (await status(await f.open())).events;
    expect(Object.fromEntries(rows.map((s) => [s.event, s.state]))).toEqual({ alpha: 'running', beta: 'foreign', gamma: 'running' });
    const out = new PassThrough();
    await expect(eventLogs(await f.open(), { event: 'beta', stdout: out, stderr: out })).rejects.toThrow(
      new RegExp(
        `^${f.container('beta')} is not a container of this fleet file \\(fleet "${f.name}", id ${f.id}\\): it belongs to no demo-fleet fleet \\(no dev\\.demo-fleet labels\\) \\(see \`demo-fleet status\`\\)$`,
      ),
    );

    // a second up refuses it again and changes nothing
    const before = ids();
    expect(verdict((await f.up()).results)).toBeInstanceOf(DeployError);
    expect(ids()).toEqual(before);

    // once the owner removes it, up takes the name; the others keep their containers
    f.target.all.delete(squatter.id);
    expect(verdict((await f.up()).results)).toBeNull();
    expect(ids().alpha).toBe(before.alpha);
    expect(f.target.container(f.container('beta'))!.labels[LABELS.fleet]).toBe(f.name);
  });

  it('a lock left by a killed up (this host, pid gone): the next up takes it over, says so, and converges', async () => {
    f = await memoryFleet({ events: { alpha: [], beta: [], gamma: [] } });
    const pid = await deadPid();
    f.target.plantLock(f.name, {
      holder: `me@${os.hostname()}`,
      host: os.hostname(),
      pid,
      since: '2026-05-04T09:00:00.000Z',
      message: 'up',
      fleetId: f.id,
    });
    const r = await f.up();
    expect(f.report.text()).toContain(
      `warning: took over a stale deploy lock of me@${os.hostname()} (pid ${pid} is gone, since 2026-05-04T09:00:00.000Z)`,
    );
    expect(r.results.map((x) => x.status)).toEqual(EVENTS.map((e) => `served https://${e}2026.tail0000.ts.net`));
    expect(await f.target.lock.holder(f.name)).toBeNull();
  });

  it('a lock held by a live process, or by another host: up and down refused before anything (exit 4); --force-unlock proceeds', async () => {
    await deployed();
    const before = ids();
    const since = '2020-01-02T03:04:05.000Z';
    const plant = (host: string, pid: number) =>
      f.target.plantLock(f.name, { holder: `alice@${host}`, host, pid, since, message: 'up', fleetId: f.id });
    const refused = (pid: number, host: string) =>
      `fleet "${f.name}" is locked by alice@${host} (pid ${pid}) since ${since}: up; wait for that deploy, or run with --force-unlock if it died`;

    // (a) this host, and the pid is alive (this test process): not stale
    plant(os.hostname(), process.pid);
    const calls = f.target.calls.length;
    const a = f.up();
    await expect(a).rejects.toBeInstanceOf(LockedError);
    await expect(a).rejects.toThrow(refused(process.pid, os.hostname()));
    expect(f.report.lines).not.toContain('==> build image'); // refused before building
    expect(f.target.calls.slice(calls).filter((c) => !/^(connect|lock\.)/.test(c))).toEqual([]);
    await expect(f.down({ events: ['alpha'] })).rejects.toThrow(refused(process.pid, os.hostname()));
    expect((await f.target.lock.holder(f.name))?.pid).toBe(process.pid);

    // (b) another host: its pid means nothing here, even a dead one
    const gone = await deadPid();
    plant(`elsewhere-${process.pid}`, gone);
    await expect(f.up()).rejects.toThrow(refused(gone, `elsewhere-${process.pid}`));
    expect(ids()).toEqual(before);

    // --force-unlock removes it and deploys
    const forced = await f.up({ forceUnlock: true });
    expect(f.report.lines).toContain(
      `warning: removed the deploy lock of fleet "${f.name}" held by alice@elsewhere-${process.pid} since ${since} (--force-unlock)`,
    );
    expect(forced.plan.actions.map((a) => a.kind)).toEqual(['keep', 'keep', 'keep']);
    expect(await f.target.lock.holder(f.name)).toBeNull();
    expect(ids()).toEqual(before);
  });

  it("lock status names the holder and up -m's message; a second up is refused with it; lock release frees it", async () => {
    f = await memoryFleet({ events: { alpha: [] } });
    // the lock as a running `up -m` holds it
    const held = await f.target.lock.acquire(f.name, 'hotfix for cleveland', f.id);
    const s = await lockStatus(await f.open());
    expect(s.lock).toBe(`demo-fleet-lock-${f.name}`);
    expect(s.holder).toMatchObject({ pid: process.pid, message: 'hotfix for cleveland', host: os.hostname(), fleetId: f.id });
    await expect(f.up()).rejects.toThrow(': hotfix for cleveland; wait for that deploy');
    const released = await lockRelease(await f.open());
    expect(released.holder?.message).toBe('hotfix for cleveland');
    expect((await lockStatus(await f.open())).holder).toBeNull();
    await held.release(); // the holder's own release after a release by hand is harmless
    expect(verdict((await f.up()).results)).toBeNull();
  });

  it('an image whose containers cannot start (--no-canary): each event is put back on its old container, running; the good image again changes nothing', async () => {
    await deployed();
    const before = ids();
    f.target.behave((c) => (c.image?.dockerfile === 'Unstartable.Dockerfile' ? 'cannot-start' : undefined));
    const r = await f.up({ dockerfile: 'Unstartable.Dockerfile', canary: false });
    expect(verdict(r.results)).toBeInstanceOf(DeployError);
    for (const e of EVENTS) expect(f.report.text()).toContain(`${e}: recreate ${f.container(e)} (image changed)`);
    expect(f.report.text()).toMatch(/recreate failed: .*nonexistent/);
    expect(ids()).toEqual(before);
    for (const e of EVENTS) expect(f.target.container(f.container(e))!.state).toBe('running');
    expect(labelled()).toEqual(EVENTS.map((e) => f.container(e)));
    // the unstartable build was another revision: the good one kept its rev- tag, is reused, nothing re-created
    const again = await f.up();
    expect(f.report.text()).toContain('is up to date (build skipped)');
    expect(again.results.every((x) => x.ok)).toBe(true);
    expect(ids()).toEqual(before);
  });

  for (const [behaviour, why] of [
    ['crash-loop', /^app crash-looping \(started 3 times within 60s\)$/],
    ['exit', /^exited \(code 3\)$/],
    ['restart', /^exited \(code 1\) and is being restarted by the engine$/],
  ] as const) {
    it(`a broken image (${behaviour}): only the canary tries it, is rolled back and serves again; the others keep their containers`, async () => {
      await deployed();
      const before = ids();
      f.target.behave((c) => (c.image?.dockerfile === 'Broken.Dockerfile' ? behaviour : undefined));
      const started = Date.now();
      const r = await f.up({ dockerfile: 'Broken.Dockerfile' });
      // the failing start is final at once, not at the 300 s timeout (the fake clock: time the core waited)
      expect(Date.now() - started).toBeLessThan(30_000);
      const text = f.report.text();
      expect(text).toContain('alpha: canary (3 events are re-created: this one first)');
      expect(text).toContain(`alpha: recreate ${f.container('alpha')} (image changed)`);
      for (const e of ['beta', 'gamma']) expect(text).not.toContain(`${e}: recreate`);
      expect(text).toContain('alpha: rolled back to its previous container');
      const alpha = r.results.find((x) => x.event === 'alpha')!;
      expect(alpha.rolledBack).toBe(true);
      expect(alpha.status.replace('; rolled back to the previous container', '')).toMatch(why);
      expect(verdict(r.results)!.message).toMatch(
        /^1 of 3 event\(s\) did not converge: alpha \(.*; rolled back to the previous container\); 2 other event\(s\) left as they were$/,
      );
      expect(r.results.filter((x) => x.skipped).map((x) => x.event)).toEqual(['beta', 'gamma']);
      expect(ids()).toEqual(before);
      expect(labelled()).toEqual(EVENTS.map((e) => f.container(e)));
      expect(f.target.container(f.container('alpha'))!.state).toBe('running');
      expect(verdict((await f.up()).results)).toBeNull(); // back on the good image
    });
  }

  it('an event that never becomes healthy: unhealthy at the timeout, with its last log lines; the others are served', async () => {
    f = await memoryFleet({ events: { alpha: [], beta: [], gamma: ['hostname: nostart-gamma'] } });
    f.target.behave((c) => (c.env.get('TAILSCALE_HOSTNAME')?.startsWith('nostart') ? 'unhealthy' : undefined));
    const started = Date.now();
    const r = await f.up({ readyTimeoutMs: 60_000 });
    // "unhealthy" is not final before the timeout (a real start takes tens of seconds)
    expect(Date.now() - started).toBeGreaterThanOrEqual(60_000); // the fake clock: time the core waited
    expect(f.report.text()).toContain('gamma: unhealthy');
    const gamma = r.results.find((x) => x.event === 'gamma')!;
    expect(gamma).toMatchObject({ ok: false, status: 'unhealthy' });
    expect(gamma.logs).toContain('] starting service svc-demo-app');
    expect(gamma.logs!.split('\n').length).toBeLessThanOrEqual(20);
    expect(r.results.find((x) => x.event === 'alpha')!.logs).toBeUndefined();
    expect(verdict(r.results)!.message).toBe('1 of 3 event(s) did not converge: gamma (unhealthy)');
    const rows = (await status(await f.open())).events;
    expect(Object.fromEntries(rows.map((s) => [s.event, s.health]))).toEqual({ alpha: 'healthy', beta: 'healthy', gamma: 'unhealthy' });
  });

  it('an app that stays "starting": still app starting after the timeout (the wait is the fake clock, not real seconds)', async () => {
    f = await memoryFleet({ events: { alpha: [] } });
    f.target.behave(() => 'starting');
    const r = await f.up({ readyTimeoutMs: 90_000 });
    expect(r.results[0]).toMatchObject({ ok: false, status: 'still app starting after 90s' });
  });

  it('a node waiting for a login: the event needs a person (exit 9) with the login URL; nothing is rolled back', async () => {
    f = await memoryFleet({ events: { alpha: [], beta: [] }, keyless: ['beta'] });
    f.target.behave((c) => (c.name.endsWith('-beta') ? 'login' : undefined));
    const r = await f.up();
    const beta = r.results.find((x) => x.event === 'beta')!;
    expect(beta).toMatchObject({ ok: false, needsPerson: true });
    expect(beta.status).toMatch(/^waiting for login: https:\/\/login\.example\/a\/[0-9a-f]{8}$/);
    expect(beta.url).toBe(beta.status.slice('waiting for login: '.length));
    const err = verdict(r.results);
    expect(err).toBeInstanceOf(NeedsPersonError);
    expect((err as NeedsPersonError).exitCode).toBe(EXIT.attention);
  });

  it('a node whose tailnet has HTTPS certificates off (scripted status JSON): needs a person, said at once', async () => {
    f = await memoryFleet({ events: { alpha: [] } });
    f.target.behave(() => ({
      status: {
        BackendState: 'Running',
        HaveNodeKey: true,
        Self: { DNSName: 'alpha2026.tail0000.ts.net.', Online: true, Capabilities: [] },
      },
    }));
    const r = await f.up();
    expect(r.results[0]).toMatchObject({
      ok: false,
      needsPerson: true,
      status: 'serve not configured: enable HTTPS certificates for the tailnet',
    });
    expect(f.target.container(f.container('alpha'))!.state).toBe('running'); // a new event: nothing to roll back to
  });

  it('an engine that refuses a rename during a re-create: the event keeps its old container, running, under its name', async () => {
    await deployed();
    const before = ids();
    f.target.fail({
      call: 'containers.rename',
      when: (_id, name) => String(name).includes('-prev-'),
      message: 'sandbox 1234 not found',
      times: 1,
    });
    const r = await f.up({ dockerfile: 'Other.Dockerfile' });
    const alpha = r.results.find((x) => x.event === 'alpha')!;
    expect(alpha.status).toBe('recreate failed: sandbox 1234 not found');
    expect(ids()).toEqual(before);
    expect(labelled()).toEqual(EVENTS.map((e) => f.container(e)));
    expect(f.target.container(f.container('alpha'))!.state).toBe('running');
  });

  it('a fleet file event that does not exist: up <event> refused before anything (exit 2)', async () => {
    f = await memoryFleet({ events: { alpha: [] } });
    const refused = f.up({ events: ['nope'] });
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow('event "nope" is not in the fleet file (`demo-fleet list` shows the events)');
    expect(f.target.calls).toEqual([]);
  });
});
