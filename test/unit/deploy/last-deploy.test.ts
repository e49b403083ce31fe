/**
 * What a plain `rollback` undoes: the last `up`/`rollback` that ran (not one that ended in an error
 * before converging, e.g. a refused rollback) and, of it, the events re-created onto a new container.
 */
import { describe, expect, it } from 'vitest';
import { lastDeploy } from '../../../cli/deploy/audit.js';
import { newEntry } from '../../../cli/deploy/audit-entry.js';
import type { Deployment } from '../../../cli/deploy/deployment.js';

const fleet = { name: 'conf', id: 'confzzzzzzzz' };
const entry = (command: string, outcome: string, events: Array<Record<string, unknown>>) =>
  newEntry(command, fleet, 'ada', { revision: 'r', outcome, events: events as never });
const deployment = (entries: unknown[]) =>
  ({ fleet, auditDir: () => '/srv/audit', target: { auditLog: { read: async () => entries } } }) as unknown as Deployment;

describe('lastDeploy', () => {
  it('the events the last deploy re-created; a create has nothing to go back to', async () => {
    const up = entry('up', 'ok', [
      { event: 'alpha', action: 'recreate', ok: true, status: 'served' },
      { event: 'berlin', action: 'create', ok: true, status: 'served' },
      { event: 'gamma', action: 'keep', ok: true, status: 'kept' },
    ]);
    expect((await lastDeploy(deployment([up])))?.changed).toEqual(['alpha']);
  });

  it('skips a run that ended in an error before converging (a refused rollback), so the deploy before it can still be undone', async () => {
    const up = entry('up', 'ok', [{ event: 'alpha', action: 'recreate', ok: true, status: 'served' }]);
    const refused = entry('rollback', 'error: nothing rolled back: …', []);
    const crashed = entry('up', 'unexpected error: boom', []);
    const last = await lastDeploy(deployment([up, refused, crashed]));
    expect(last?.entry).toBe(up);
    expect(last?.changed).toEqual(['alpha']);
  });

  it('a failed canary put back: nothing moved', async () => {
    const up = entry('up', 'failed: 1 of 2 event(s)', [
      { event: 'alpha', action: 'recreate', ok: false, rolledBack: true, status: 'crash; rolled back' },
      { event: 'beta', action: 'recreate', ok: false, skipped: true, status: 'not changed' },
    ]);
    expect((await lastDeploy(deployment([up])))?.changed).toEqual([]);
    expect(await lastDeploy(deployment([]))).toBeNull();
  });
});
