/** `--json <fields>` through the built CLI: list selects fields; an unknown field is exit 2 before anything is read. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, show, tempDir, runInProcess } from '../../helpers/cli.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

describe('--json <fields> (built CLI)', () => {
  it('list --json event,authKey: only those fields, in that order', async () => {
    const t = await tempDir();
    try {
      await writeFile(
        path.join(t.dir, 'fleet.yaml'),
        'name: jf\nyear: 2026\nevents:\n  cleveland:\n    authKey: { env: CLEVELAND_KEY }\n  austin: {}\n',
      );
      const r = await runInProcess(['list', '--json', 'event,authKey'], { cwd: t.dir });
      expect(r.code, show(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([
        { event: 'austin', authKey: 'none' },
        { event: 'cleveland', authKey: 'env:CLEVELAND_KEY' },
      ]);
      const all = JSON.parse((await runInProcess(['list', '--json'], { cwd: t.dir })).stdout) as object[];
      expect(Object.keys(all[0]!)).toEqual(['event', 'container', 'hostname', 'funnel', 'serveMode', 'inviteLink', 'authKey']);
    } finally {
      await t.cleanup();
    }
  });

  it('an unknown field: one line listing the fields, exit 2, before the fleet file or the engine is read', async () => {
    const t = await tempDir(); // no fleet file here, no engine there: neither is reached
    try {
      const list = await runInProcess(['list', '--json', 'event,nope'], { cwd: t.dir });
      expect(list.code, show(list)).toBe(2);
      expect(list.stderr).toBe(
        'error: --json: unknown field "nope"; available fields: event, container, hostname, funnel, serveMode, inviteLink, authKey\n',
      );
      const status = await runCli(['status', '--json', 'uptime'], { cwd: t.dir, env: NO_ENGINE });
      expect(status.code, show(status)).toBe(2);
      expect(status.stdout).toBe('');
      expect(status.stderr).toMatch(/^error: --json: unknown field "uptime"; available fields: event, container, state, [^\n]*\n$/);
    } finally {
      await t.cleanup();
    }
  });
});
