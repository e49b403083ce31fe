/**
 * `demo-fleet open <event>` on the real engine with the tailnet model: the printed URL on 127.0.0.1
 * serves the event's page (the app inside the container, which publishes no port), through the local
 * socket and through DOCKER_HOST=ssh:// (a throwaway sshd); Ctrl-C ends it and leaves no relay process
 * in the container. Refusals: an event without a container, a port in use.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import {
  docker,
  ensureBaseImage,
  expectOk,
  fleets,
  inspectContainer,
  spawnCli,
  type TestFleet,
  waitFor,
} from '../helpers/engine-fixture.js';
import { dockerEngine } from '../helpers/requirements.js';
import { sshdAvailable, startSshd, type TestSshd } from '../helpers/sshd.js';

const engine = dockerEngine();
const sshd = engine.ok ? sshdAvailable() : { ok: false };

/** The relay processes `open` runs in the container (`docker top`, seen from the host). */
async function relays(container: string): Promise<string[]> {
  const out = await docker(['top', container, '-eo', 'pid,args']);
  return out.split('\n').filter((l) => l.includes("require('net').connect"));
}

interface Opened {
  url: string;
  stderr: () => string;
  /** Ctrl-C; resolves with the exit code. */
  interrupt: () => Promise<number | null>;
}

describe.skipIf(!engine.ok)('open: an event page on this machine, forwarded through the engine', () => {
  const make = fleets();
  let f: TestFleet;

  const open = async (args: string[], env: Record<string, string> = {}): Promise<Opened> => {
    const { child, result, stderrSoFar } = spawnCli(['open', ...args], { cwd: f.dir, env: { ...f.env, ...env } });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = await waitFor(
      'open to print its URL',
      async () => {
        if (child.exitCode !== null) throw new Error(`open exited ${child.exitCode}: ${stderrSoFar()}`);
        return stdout.match(/^(http:\/\/127\.0\.0\.1:\d+\/)\n/)?.[1];
      },
      60_000,
      100,
    );
    return {
      url,
      stderr: stderrSoFar,
      interrupt: async () => {
        child.kill('SIGINT');
        return (await result).code;
      },
    };
  };

  beforeAll(async () => {
    await ensureBaseImage();
    f = await make({ events: { alpha: [] } });
    expectOk(await f.up(), 'up');
  }, 600_000);

  it('prints http://127.0.0.1:<port>/ whose page is the event app (no port published); Ctrl-C ends it, no relay left', async () => {
    const container = f.container('alpha');
    const published = (await inspectContainer(container)) as unknown as { NetworkSettings: { Ports: unknown } };
    const o = await open(['alpha', '--no-browser']);
    expect(o.stderr()).toContain(`to port 5000 of ${container} through unix:///var/run/docker.sock; Ctrl-C to stop`);
    const page = await fetch(o.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Howdy, internet stranger!');
    // several at once, each its own stream
    const health = await Promise.all([1, 2, 3].map(() => fetch(new URL('healthz', o.url)).then((r) => r.status)));
    expect(health).toEqual([200, 200, 200]);
    // the container still publishes nothing
    const after = (await inspectContainer(container)) as unknown as { NetworkSettings: { Ports: unknown } };
    expect(after.NetworkSettings.Ports).toEqual(published.NetworkSettings.Ports);
    expect(Object.keys((after.NetworkSettings.Ports as Record<string, unknown> | null) ?? {})).toEqual([]);
    // fetch keeps its connections alive: their relays run in the container now (what `relays` must see)
    expect((await relays(container)).length).toBeGreaterThan(0);

    expect(await o.interrupt()).toBe(130);
    const port = Number(new URL(o.url).port);
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    await waitFor('the relays to end with the forward', async () => (await relays(container)).length === 0, 30_000);
  });

  it('--port: that port; a port in use is refused naming it (exit 2); an event without a container is refused with the fix', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const { result } = spawnCli(['open', 'alpha', '--no-browser', '--port', String(taken)], { cwd: f.dir, env: f.env });
      const r = await result;
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toBe(
        `error: --port ${taken}: 127.0.0.1:${taken} is in use: pick another port, or leave --port out for a free one\n`,
      );
    } finally {
      blocker.close();
    }
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const o = await open(['alpha', '--no-browser', '--port', String(free)]);
    expect(o.url).toBe(`http://127.0.0.1:${free}/`);
    expect((await fetch(o.url)).status).toBe(200);
    expect(await o.interrupt()).toBe(130);

    expectOk(await f.cli(['add', 'beta', '--auth-key-env', 'DEMO_FLEET_TEST_MODEL_KEY']), 'add beta');
    const { result } = spawnCli(['open', 'beta', '--no-browser'], { cwd: f.dir, env: f.env });
    const none = await result;
    expect(none.code).toBe(EXIT.usage);
    expect(none.stderr).toBe(`error: event "beta" has no container ${f.container('beta')} (run \`demo-fleet up\`)\n`);
  });

  describe.skipIf(!sshd.ok)('through DOCKER_HOST=ssh://', () => {
    let server: TestSshd | undefined;
    beforeAll(async () => {
      server = await startSshd('open');
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    it('the same page through the printed URL over ssh; Ctrl-C ends it, no relay left', async () => {
      const o = await open(['alpha', '--no-browser'], server!.env);
      expect(o.stderr()).toContain(`through ssh://root@127.0.0.1:${server!.port}; Ctrl-C to stop`);
      const page = await fetch(o.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Howdy, internet stranger!');
      expect(await Promise.all([1, 2].map(() => fetch(new URL('healthz', o.url)).then((r) => r.status)))).toEqual([200, 200]);
      expect(server!.log()).toMatch(/Accepted publickey for root/);
      expect(await o.interrupt()).toBe(130);
      await waitFor('the relays to end with the forward', async () => (await relays(f.container('alpha'))).length === 0, 30_000);
    });
  });
});
