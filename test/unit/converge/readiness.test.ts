/**
 * A start that fails is final at once (seconds), not at the wait timeout: over a scripted runtime,
 * the container exited, restarted by the engine, or its app restarted by the supervisor inside it.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_PROBE } from '../../../cli/tailnet/probe.js';
import { APP_STARTS, CRASH_LOOP, recentAppStarts, waitUntilReady } from '../../../cli/converge/readiness.js';
import type { ContainerDetails, ExecResult, Runtime } from '../../../cli/targets/target.js';

/** Looks answer from the script, one entry per look (the last one repeats). */
function scripted(looks: Array<{ info: Partial<ContainerDetails>; starts?: number[] }>) {
  let i = 0;
  const execs: string[][] = [];
  const current = () => looks[Math.min(i, looks.length - 1)]!;
  const runtime = {
    inspect: async (id: string) => {
      const look = current();
      return { id, state: 'running', exitCode: 0, restartCount: 0, health: 'starting', environment: [], ...look.info };
    },
    exec: async (_id: string, cmd: string[]): Promise<ExecResult> => {
      execs.push(cmd);
      const starts = current().starts ?? [NOW - 1];
      i++;
      return { exitCode: 0, stdout: `${NOW}\n${starts.join('\n')}\n---demo-fleet: node status---\n`, stderr: '' };
    },
    // as the Docker target: the probe is an exec of EVENT_PROBE
    probe(id: string) {
      return (this as unknown as Runtime).exec(id, [...EVENT_PROBE]);
    },
  } as unknown as Runtime;
  return { runtime, execs };
}

const fast = { timeoutMs: 60_000, pollMs: 1 };
const NOW = 1_000_000;

describe('waitUntilReady: a failing start is final at once', () => {
  it('an app its supervisor restarted CRASH_LOOP.starts times within the window: failed, long before the timeout', async () => {
    const now = NOW;
    const { runtime, execs } = scripted([
      { info: {}, starts: [now - 2] },
      { info: {}, starts: [now - 4, now - 2] },
      { info: {}, starts: [now - 5, now - 3, now - 1] },
    ]);
    const r = await waitUntilReady(runtime, 'c1', null, fast);
    expect(r).toEqual({ kind: 'failed', status: `app crash-looping (started 3 times within ${CRASH_LOOP.windowSeconds}s)` });
    expect(execs).toHaveLength(3); // settled by the third look, not by the clock
    expect(execs[0]!.join(' ')).toContain(`cat ${APP_STARTS}`);
  });

  it('one start (a slow app) is not a crash: it waits until the timeout', async () => {
    const { runtime } = scripted([{ info: {} }]);
    const r = await waitUntilReady(runtime, 'c1', null, { timeoutMs: 30, pollMs: 1 });
    expect(r).toEqual({ kind: 'failed', status: 'still app starting after 0s' });
  });

  it('starts older than the window, or before the container last started (stopped and started again), do not count', () => {
    const now = 5_000;
    const old = [now - 500, now - 400, now - 300];
    expect(recentAppStarts(`${now}\n${old.join('\n')}\n${now - 2}\n`, 0)).toBe(1);
    expect(recentAppStarts(`${now}\n${now - 30}\n${now - 20}\n${now - 2}\n`, now - 5)).toBe(1);
    expect(recentAppStarts('', 0)).toBe(0);
  });

  it("a container stopped and started again within the window: the earlier runs' app starts do not count", async () => {
    const { runtime } = scripted([
      { info: { startedAt: new Date((NOW - 3) * 1000).toISOString() }, starts: [NOW - 40, NOW - 20, NOW - 2] },
    ]);
    const r = await waitUntilReady(runtime, 'c1', null, { timeoutMs: 30, pollMs: 1 });
    expect(r).toEqual({ kind: 'failed', status: 'still app starting after 0s' });
  });

  it('the engine restarting the container (state, or the restart count grown since the first look): failed', async () => {
    const restarting = scripted([{ info: { state: 'restarting', exitCode: 3 } }]);
    expect(await waitUntilReady(restarting.runtime, 'c1', null, fast)).toEqual({
      kind: 'failed',
      status: 'exited (code 3) and is being restarted by the engine',
    });
    const counted = scripted([{ info: { restartCount: 4 } }, { info: { restartCount: 5, exitCode: 1 } }]);
    expect(await waitUntilReady(counted.runtime, 'c1', null, fast)).toEqual({
      kind: 'failed',
      status: 'exited (code 1) and is being restarted by the engine',
    });
  });

  it('a container that exited: failed with its exit code', async () => {
    const { runtime } = scripted([{ info: { state: 'exited', exitCode: 2 } }]);
    expect(await waitUntilReady(runtime, 'c1', null, fast)).toEqual({ kind: 'failed', status: 'exited (code 2)' });
  });
});

describe('waitUntilReady: a saved serve config for another name or mode is configured again, once', () => {
  const want = { mode: 'http' as const, port: 5000, funnel: false };
  /** A running node named `now`; its saved serve config answers for `saved` until serve runs again. */
  function node(options: {
    now: string;
    saved: string;
    savedMode?: 'HTTP' | 'HTTPS';
    reconfigureExit?: number;
    reconfigureThrows?: string;
  }) {
    const execs: string[] = [];
    let entry = options.saved;
    let mode = options.savedMode ?? 'HTTP';
    const runtime = {
      inspect: async (id: string) => ({ id, state: 'running', exitCode: 0, restartCount: 0, health: 'healthy', environment: [] }),
      exec: async (_id: string, cmd: string[]): Promise<ExecResult> => {
        const line = cmd.join(' ');
        execs.push(line);
        if (line.includes('serve reset')) {
          if (options.reconfigureThrows) throw new Error(options.reconfigureThrows);
          if (options.reconfigureExit)
            return { exitCode: options.reconfigureExit, stdout: '', stderr: 'error enabling https feature: 404\n' };
          entry = options.now;
          mode = 'HTTP';
          return { exitCode: 0, stdout: '', stderr: '' };
        }
        const status = { BackendState: 'Running', HaveNodeKey: true, Self: { DNSName: `${options.now}.`, Online: true }, Health: [] };
        const serve = {
          TCP: { '443': { [mode]: true } },
          Web: { [`${entry}:443`]: { Handlers: { '/': { Proxy: 'http://localhost:5000' } } } },
        };
        const stdout = `${NOW}\n${NOW - 5}\n---demo-fleet: node status---\n${JSON.stringify(status)}\n---demo-fleet: serve status---\n${JSON.stringify(serve)}`;
        return { exitCode: 0, stdout, stderr: '' };
      },
      // as the Docker target: the probe is an exec of EVENT_PROBE
      probe(id: string) {
        return (this as unknown as Runtime).exec(id, [...EVENT_PROBE]);
      },
      errorMessage: (err: unknown) => (err as Error).message,
    } as unknown as Runtime;
    return { runtime, execs };
  }

  it("a target that cannot exec into the event (Swarm: a task on another node) says so in the wait's report", async () => {
    const refusal = 'id-demo-beta runs on node w1 (abc): the manager cannot exec into a task on another node';
    const { runtime } = node({ now: 'a.tail.example', saved: 'b.tail.example', reconfigureThrows: refusal });
    const waited: string[] = [];
    const r = await waitUntilReady(runtime, 'c1', want, { timeoutMs: 50, pollMs: 1, onWaiting: (w) => waited.push(w) });
    expect(r.kind).toBe('failed');
    expect(waited[0]).toBe(`configuring serve (an entry for b.tail.example is not this node's name); serving again failed: ${refusal}`);
  });

  it('a renamed node (the start served its old name): serve runs again for the new name, then served', async () => {
    const { runtime, execs } = node({ now: 'rf-renamed.tail.example', saved: 'rf2026.tail.example' });
    const waited: string[] = [];
    const r = await waitUntilReady(runtime, 'c1', want, { ...fast, onWaiting: (w) => waited.push(w) });
    expect(r).toEqual({ kind: 'served', status: 'served http://rf-renamed.tail.example:443', url: 'http://rf-renamed.tail.example:443' });
    expect(execs.filter((l) => l.includes('serve reset'))).toEqual([
      'sh -c tailscale serve reset && tailscale serve --bg --http=443 http://localhost:5000',
    ]);
    expect(waited[0]).toBe(
      "configuring serve (an entry for rf2026.tail.example is not this node's name): serve configured again for the node's current name",
    );
  });

  it('saved in another mode: configured again in the wanted one', async () => {
    const { runtime, execs } = node({ now: 'a.tail.example', saved: 'a.tail.example', savedMode: 'HTTPS' });
    expect((await waitUntilReady(runtime, 'c1', want, fast)).kind).toBe('served');
    expect(execs.filter((l) => l.includes('serve reset'))).toHaveLength(1);
  });

  it('when serving again fails, it is tried once and the timeout reports why (the mod may still be at it: not final)', async () => {
    const { runtime, execs } = node({ now: 'a.tail.example', saved: 'b.tail.example', reconfigureExit: 1 });
    const r = await waitUntilReady(runtime, 'c1', want, { timeoutMs: 50, pollMs: 1 });
    expect(r).toEqual({
      kind: 'failed',
      status: "still configuring serve (an entry for b.tail.example is not this node's name) after 0s",
    });
    expect(execs.filter((l) => l.includes('serve reset'))).toHaveLength(1);
  });

  it('a look that fails (exec refused while the engine restarts the container) is not the outcome: the next look decides', async () => {
    let calls = 0;
    const runtime = {
      inspect: async (id: string) => {
        calls++;
        if (calls === 1)
          throw Object.assign(new Error('container is restarting, wait until the container is running'), { statusCode: 409 });
        return { id, state: 'running', exitCode: 0, restartCount: 0, health: 'healthy', environment: [] };
      },
      exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
      errorMessage: (err: unknown) => (err as Error).message,
      // as the Docker target: the probe is an exec of EVENT_PROBE
      probe(id: string) {
        return (this as unknown as Runtime).exec(id, [...EVENT_PROBE]);
      },
    } as unknown as Runtime;
    const waited: string[] = [];
    expect(await waitUntilReady(runtime, 'c1', null, { ...fast, onWaiting: (w) => waited.push(w) })).toEqual({
      kind: 'healthy',
      status: 'healthy',
    });
    expect(waited).toEqual(['looking again (container is restarting, wait until the container is running)']);
  });
});

describe('waitUntilReady: a target that reads the event from its own reports', () => {
  it('no report yet is pending (not failed), and the first report decides', async () => {
    let looks = 0;
    const status = {
      BackendState: 'Running',
      HaveNodeKey: true,
      Self: { DNSName: 'alpha2026.tail0000.ts.net.', Online: true, Capabilities: ['https'] },
      Health: [],
    };
    const serve = {
      TCP: { '443': { HTTPS: true } },
      Web: { 'alpha2026.tail0000.ts.net:443': { Handlers: { '/': { Proxy: 'http://localhost:5000' } } } },
    };
    const runtime = {
      inspect: async (id: string) => ({ id, state: 'running', exitCode: 0, restartCount: 0, health: 'healthy', environment: [] }),
      probe: async (): Promise<ExecResult | null> => {
        looks++;
        if (looks < 3) return null;
        return {
          exitCode: 0,
          stdout: `${NOW}\n---demo-fleet: node status---\n${JSON.stringify(status)}\n---demo-fleet: serve status---\n${JSON.stringify(serve)}`,
          stderr: '',
        };
      },
      errorMessage: (err: unknown) => String(err),
    } as unknown as Runtime;
    const waited: string[] = [];
    const r = await waitUntilReady(
      runtime,
      's1',
      { mode: 'https', port: 5000, funnel: false },
      { ...fast, onWaiting: (w) => waited.push(w) },
    );
    expect(r).toEqual({ kind: 'served', status: 'served https://alpha2026.tail0000.ts.net', url: 'https://alpha2026.tail0000.ts.net' });
    expect(waited).toEqual(['waiting for its first report']);
    expect(looks).toBe(3);
  });

  it("a task that is not running says why in the target's words", async () => {
    const runtime = {
      inspect: async (id: string) => ({
        id,
        state: 'created',
        detail: 'pending: no suitable node',
        exitCode: 0,
        restartCount: 0,
        environment: [],
      }),
      probe: async () => null,
      errorMessage: (err: unknown) => String(err),
    } as unknown as Runtime;
    const r = await waitUntilReady(runtime, 's1', null, { timeoutMs: 20, pollMs: 1 });
    expect(r).toEqual({ kind: 'failed', status: 'still pending: no suitable node after 0s' });
  });
});
