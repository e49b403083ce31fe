/**
 * A command that holds the deploy lock writes its audit entry through the lock (the lock's marker carries the
 * audit directory: no carrier container of the log's own), and a lock taken over from a process that died
 * holding it is recorded as an interrupted run before the command's own entry.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../cli/deploy/audit-entry.js';
import { auditedDeploy } from '../../../cli/deploy/audited-deploy.js';
import type { Deployment } from '../../../cli/deploy/deployment.js';
import type { Reporter } from '../../../cli/reporter.js';
import type { AcquiredLock, LockInfo } from '../../../cli/targets/target.js';
import { runInterruptCleanups } from '../../../cli/util/interrupt.js';

const AUDIT_DIR = '/srv/demo/.demo-fleet/audit';

function fakeDeployment(tookOver?: LockInfo) {
  const events: string[] = [];
  const throughLock: AuditEntry[] = [];
  const throughLog: AuditEntry[] = [];
  const acquired: Array<string | undefined> = [];
  const warnings: string[] = [];
  const d = {
    fleet: { name: 'conf', id: 'confzzzzzzzz' },
    paths: { fleetDir: os.tmpdir() },
    auditDir: () => AUDIT_DIR,
    target: {
      lock: {
        name: (n: string) => `lock-${n}`,
        acquire: async (_n: string, _m: string, _id?: string, auditDir?: string): Promise<AcquiredLock> => {
          acquired.push(auditDir);
          return {
            release: async () => {
              events.push('release');
            },
            audit: async (e) => {
              events.push(`audit ${(e as AuditEntry).outcome}`);
              throughLock.push(e as AuditEntry);
            },
            ...(tookOver ? { tookOver } : {}),
          };
        },
      },
      auditLog: {
        append: async (_dir: string, e: AuditEntry) => {
          throughLog.push(e);
        },
        read: async () => [],
      },
      errorMessage: (err: unknown) => String(err),
    },
  } as unknown as Deployment;
  const report = { step() {}, progress() {}, warn: (w: string) => warnings.push(w) } as unknown as Reporter;
  return { d, report, throughLock, throughLog, acquired, warnings, events };
}

const run = (report: Reporter) => ({ command: 'down', forceUnlock: false, report });
const facts = () => ({ revision: null, events: [], outcome: 'ok' });

describe('auditedDeploy', () => {
  it('takes the lock with the audit directory and writes the entry through it, not through a carrier of its own', async () => {
    const f = fakeDeployment();
    await auditedDeploy(f.d, run(f.report), async () => 'done', facts);
    expect(f.acquired).toEqual([AUDIT_DIR]);
    expect(f.throughLock.map((e) => [e.command, e.outcome])).toEqual([['down', 'ok']]);
    expect(f.throughLog).toEqual([]);
    expect(f.warnings).toEqual([]);
  });

  it('a failed run is recorded through the lock too, and the error is rethrown', async () => {
    const f = fakeDeployment();
    await expect(
      auditedDeploy(
        f.d,
        run(f.report),
        async () => {
          throw new Error('boom');
        },
        facts,
      ),
    ).rejects.toThrow('boom');
    expect(f.throughLock.map((e) => e.outcome)).toEqual(['unexpected error: boom']);
  });

  it('a lock taken over from a dead holder: its run is recorded as interrupted (when it began, by whom), then this one', async () => {
    const dead: LockInfo = { holder: 'bob@laptop', host: 'laptop', pid: 4242, since: '2026-12-01T10:00:00.000Z', message: 'up' };
    const f = fakeDeployment(dead);
    await auditedDeploy(f.d, run(f.report), async () => 'done', facts);
    expect(f.throughLock).toHaveLength(2);
    const [trace, own] = f.throughLock as [AuditEntry, AuditEntry];
    expect(trace).toMatchObject({ time: dead.since, who: 'bob@laptop', host: 'laptop', command: 'up', fleet: 'conf', events: [] });
    expect(trace.outcome).toMatch(/^interrupted: pid 4242 on laptop ended holding the deploy lock, without recording an outcome/);
    expect(own.command).toBe('down');
  });

  it('Ctrl-C / SIGTERM while it runs: the run is recorded as interrupted through the lock, then the lock is released', async () => {
    const f = fakeDeployment();
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    const never = new Promise<string>(() => {});
    void auditedDeploy(
      f.d,
      run(f.report),
      async () => {
        started();
        return never;
      },
      facts,
    );
    await running;
    expect(await runInterruptCleanups(() => {})).toBe(1);
    expect(f.events).toEqual(['audit interrupted: stopped by a signal (Ctrl-C or SIGTERM)', 'release']);
  });

  it("a target whose lock does not carry the audit log: the entry goes through the target's audit log", async () => {
    const f = fakeDeployment();
    const acquire = f.d.target.lock.acquire;
    (f.d.target.lock as { acquire: typeof acquire }).acquire = async (...args) => {
      const { audit: _audit, ...held } = await acquire(...args);
      return held;
    };
    await auditedDeploy(f.d, run(f.report), async () => 'done', facts);
    expect(f.throughLock).toEqual([]);
    expect(f.throughLog.map((e) => [e.command, e.outcome])).toEqual([['down', 'ok']]);
  });
});
