/**
 * cli/targets/swarm/report.ts: the event's health check reports its probe as a log line, and lastReport
 * reads it back. The check script runs here for real under BusyBox's sh with only BusyBox applets on PATH
 * (what the linuxserver Alpine image's /bin/sh is), its two fixed paths (/run/demo-fleet, /proc/1/fd/1)
 * pointed into a temp dir and a stand-in `tailscale` that prints a status file: the line it writes
 * (`gzip -c | base64 | tr -d '\n'`) is the line lastReport must decode. Skipped loudly without
 * /bin/busybox; fails under CI=true.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthCheck } from '../../../../cli/render/service.js';
import { APP_STARTS, PROBE_SCRIPT } from '../../../../cli/tailnet/probe.js';
import {
  isReportLine,
  lastReport,
  REPORT_INTERVAL_MS,
  REPORT_MARK,
  reportingHealthCheck,
  TASK_ENV,
} from '../../../../cli/targets/swarm/report.js';

const BUSYBOX = '/bin/busybox';
const hasBusybox = existsSync(BUSYBOX);
if (!hasBusybox) {
  if (process.env.CI === 'true') throw new Error(`${BUSYBOX} is missing: the health script cannot be run (CI=true)`);
  console.warn(`SKIP report.test.ts script runs: ${BUSYBOX} is missing`);
}

/** A report line as the script writes it, encoded here with node's gzip. */
function line(task: string, rc: number, body: string): string {
  return `${REPORT_MARK} ${task} ${rc} ${gzipSync(Buffer.from(body)).toString('base64')}`;
}

const APP_CHECK: HealthCheck = {
  test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:5000/healthz || exit 1'],
  intervalMs: 30_000,
  timeoutMs: 3_000,
  startPeriodMs: 120_000,
  retries: 3,
};

describe('lastReport', () => {
  it("reads the newest report of the task, not another task's", () => {
    const text = [
      'app: listening',
      line('taskA', 0, 'old A'),
      line('taskB', 0, 'B'),
      line('taskA', 3, 'new A'),
      line('taskA1', 0, 'A1 (another task whose ID starts alike)'),
      'app: a request',
    ].join('\n');
    expect(lastReport(text, 'taskA')).toEqual({ exitCode: 3, stdout: 'new A', stderr: '' });
    expect(lastReport(text, 'taskB')?.stdout).toBe('B');
    expect(lastReport(text, 'taskC')).toBeNull();
  });

  it('falls back to an older whole report when the newest was cut short', () => {
    const whole = line('taskA', 0, 'whole');
    const cut = line('taskA', 0, `newer ${'x'.repeat(4000)}`);
    const text = [whole, cut.slice(0, cut.length - 40)].join('\n');
    expect(lastReport(text, 'taskA')?.stdout).toBe('whole');
    expect(lastReport(cut.slice(0, cut.length - 40), 'taskA')).toBeNull();
  });

  it('reads a line with a prefix (timestamps) and a CR LF ending', () => {
    const text = `2026-12-08T01:00:00.123456789Z ${line('taskA', 1, 'stamped')}\r\n`;
    expect(lastReport(text, 'taskA')).toEqual({ exitCode: 1, stdout: 'stamped', stderr: '' });
  });

  it('isReportLine tells report lines from the rest', () => {
    expect(isReportLine(line('t', 0, 'x'))).toBe(true);
    expect(isReportLine('demo-fleet-reporter said hi')).toBe(false);
    expect(isReportLine('{"msg":"listening"}')).toBe(false);
  });
});

describe('reportingHealthCheck: the check as configured', () => {
  it('keeps the timing but caps the interval at REPORT_INTERVAL_MS', () => {
    const h = reportingHealthCheck(APP_CHECK);
    expect(REPORT_INTERVAL_MS).toBe(5_000);
    // the probe's two tailscale commands get time too: at least 10 s
    expect(h).toMatchObject({ intervalMs: 5_000, timeoutMs: 10_000, startPeriodMs: 120_000, retries: 3 });
    expect(reportingHealthCheck({ ...APP_CHECK, timeoutMs: 20_000 }).timeoutMs).toBe(20_000);
    expect(reportingHealthCheck({ ...APP_CHECK, intervalMs: 2_000 }).intervalMs).toBe(2_000);
    expect(h.test[0]).toBe('CMD-SHELL');
    expect(h.test).toHaveLength(2);
  });

  it("keeps the app's own check and runs the probe", () => {
    const script = reportingHealthCheck(APP_CHECK).test[1]!;
    expect(script).toContain('(wget -q -O /dev/null http://127.0.0.1:5000/healthz || exit 1)');
    expect(script).toContain(PROBE_SCRIPT);
    expect(script).toContain(`$${TASK_ENV}`);
    expect(script).toContain(`'"TUN": false'`);
  });
});

describe.skipIf(!hasBusybox)('reportingHealthCheck: the script run under BusyBox sh', () => {
  let dir: string;
  let run: string;
  let out: string;
  let status: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'swarm-report-'));
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    for (const applet of [
      'sh',
      'mkdir',
      'tail',
      'cmp',
      'mv',
      'gzip',
      'base64',
      'tr',
      'grep',
      'date',
      'cat',
      'test',
      'true',
      'false',
      'awk',
      'find',
    ]) {
      await symlink(BUSYBOX, path.join(bin, applet));
    }
    // tailscale: status prints the file the test writes (fails while there is none), serve prints {}
    status = path.join(dir, 'status.json');
    await writeFile(
      path.join(bin, 'tailscale'),
      `#!${BUSYBOX} sh\nif [ "$1" = status ]; then cat '${status}' || exit 1; else echo '{}'; fi\n`,
    );
    await chmod(path.join(bin, 'tailscale'), 0o755);
    run = path.join(dir, 'run');
    out = path.join(dir, 'stdout-of-pid-1');
    await writeFile(out, '');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the check like the engine (sh -c), with its fixed paths moved into the temp dir. */
  async function check(h: HealthCheck): Promise<{ code: number; stdout: string }> {
    const script = reportingHealthCheck(h).test[1]!;
    expect(script).toContain('/run/demo-fleet');
    expect(script).toContain('>/proc/1/fd/1');
    // PID 1's output is a pipe in a container: appended to here, never truncated
    const local = script.replaceAll('/run/demo-fleet', run).replaceAll('>/proc/1/fd/1', `>>${out}`);
    return new Promise((resolve) => {
      execFile(
        BUSYBOX,
        ['sh', '-c', local],
        { env: { PATH: path.join(dir, 'bin'), [TASK_ENV]: 'task1' }, timeout: 20_000 },
        (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout }),
      );
    });
  }
  const appOk: HealthCheck = { ...APP_CHECK, test: ['CMD-SHELL', 'true'] };
  const reports = async () => (await readFile(out, 'utf8')).split('\n').filter(isReportLine);
  const tunStatus = (tun: boolean) => `{\n  "BackendState": "Running",\n  "TUN": ${tun}\n}\n`;

  it('writes one report of the probe, which lastReport decodes to what the probe printed', async () => {
    await mkdir(run, { recursive: true });
    await writeFile(APP_STARTS.replace('/run/demo-fleet', run), '1765155600\n');
    await writeFile(status, tunStatus(true));
    const r = await check(appOk);
    expect(r.code).toBe(0);
    const lines = await reports();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${REPORT_MARK} task1 0 [A-Za-z0-9+/=]+$`));
    const report = lastReport(await readFile(out, 'utf8'), 'task1');
    expect(report?.exitCode).toBe(0);
    expect(report?.stdout).toBe(await readFile(path.join(run, 'probe.out'), 'utf8'));
    const [clock, starts, ...rest] = report!.stdout.split('\n');
    expect(clock).toMatch(/^\d{10,}$/);
    expect(starts).toBe('1765155600');
    expect(rest.join('\n')).toContain('"TUN": true');
    expect(rest.join('\n')).toContain('---demo-fleet: serve status---\n{}');
  });

  it('reports again only when what the probe printed changed (the clock aside)', async () => {
    expect((await check(appOk)).code).toBe(0);
    expect(await reports()).toHaveLength(1);
    await writeFile(status, tunStatus(true).replace('Running', 'Starting'));
    expect((await check(appOk)).code).toBe(0);
    expect(await reports()).toHaveLength(2);
    expect(lastReport(await readFile(out, 'utf8'), 'task1')?.stdout).toContain('"BackendState": "Starting"');
  });

  it('health warnings that come and go are no change; the login error the verdict reads is', async () => {
    const withHealth = (...health: string[]) =>
      `{\n  "BackendState": "Starting",\n  "Health": [\n${health.map((h) => `    ${JSON.stringify(h)}`).join(',\n')}\n  ],\n  "TUN": true\n}\n`;
    await writeFile(status, withHealth('Tailscale could not connect to the relay server.'));
    await check(appOk);
    const before = (await reports()).length;
    await writeFile(
      status,
      withHealth('Tailscale could not connect to the relay server.', "Tailscale can't reach the configured DNS servers."),
    );
    await check(appOk);
    await writeFile(status, withHealth());
    await check(appOk);
    expect(await reports()).toHaveLength(before);
    await writeFile(status, withHealth('You are logged out. The last login error was: authkey expired'));
    await check(appOk);
    expect(await reports()).toHaveLength(before + 1);
    expect(lastReport(await readFile(out, 'utf8'), 'task1')?.stdout).toContain('authkey expired');
  });

  it("reports the probe's failure code when tailscale does not answer", async () => {
    await rm(status);
    expect((await check(appOk)).code).toBe(0);
    const report = lastReport(await readFile(out, 'utf8'), 'task1');
    expect(report?.exitCode).toBe(1);
    expect(report?.stdout).not.toContain('serve status');
  });

  it('is unhealthy when tailscaled runs without a TUN device, though the app is fine', async () => {
    await writeFile(status, tunStatus(false));
    const r = await check(appOk);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('without a TUN device');
    expect(lastReport(await readFile(out, 'utf8'), 'task1')?.stdout).toContain('"TUN": false');
  });

  it("is unhealthy when the app's own check fails, with TUN", async () => {
    await writeFile(status, tunStatus(true));
    expect((await check({ ...APP_CHECK, test: ['CMD-SHELL', 'exit 3'] })).code).toBe(1);
    expect((await check(appOk)).code).toBe(0);
  });

  it('runs an exec-form check with its arguments quoted', async () => {
    const same = ['CMD', 'test', "it's", '=', "it's"];
    const differ = ['CMD', 'test', "it's", '=', 'its'];
    expect((await check({ ...APP_CHECK, test: same })).code).toBe(0);
    expect((await check({ ...APP_CHECK, test: differ })).code).toBe(1);
  });
});
