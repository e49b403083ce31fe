/**
 * openEvent (the core of `open`) over an in-memory target whose Runtime.connect reaches a local HTTP
 * server standing in for the app: the URL serves it, each connection is its own stream, close() ends
 * every stream and stops listening; a container that is not running, or whose app does not answer, is
 * refused before any URL is given.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../cli/deploy/deployment.js';
import { openEvent } from '../../../cli/deploy/open.js';
import { DeployError, UsageError } from '../../../cli/errors.js';
import { fleetOwner } from '../../../cli/fleet/identity.js';
import { LABELS } from '../../../cli/fleet/naming.js';
import { FleetSchema } from '../../../cli/fleet/schema.js';
import type { Reporter } from '../../../cli/reporter.js';
import type { ContainerDetails, Target } from '../../../cli/targets/target.js';

const fleet = FleetSchema.parse({ name: 'conf', id: 'confzzzzzzzz', image: 'demo-fleet-test/conf', year: 2026, events: { alpha: {} } });
const owner = fleetOwner(fleet, '/srv/fleet/fleet.yaml');
const warnings: string[] = [];
const report: Reporter = { step: () => {}, progress: () => {}, warn: (l) => warnings.push(l) };

function container(state: string): ContainerDetails {
  const labels = { [LABELS.fleet]: 'conf', [LABELS.fleetId]: 'confzzzzzzzz', [LABELS.event]: 'alpha' };
  return {
    ...{ id: 'c1', name: 'conf-alpha', labels, state, health: 'healthy', image: 'x', imageId: 'sha256:1' },
    ...{ startedAt: null, exitCode: 0, restartCount: 0, environment: [], mounts: [] },
  };
}

/** A deployment whose target's connect(id, port) opens a TCP socket to `appPort` on this machine. */
function deployment(state: string, appPort: number, connects: Array<{ id: string; port: number; stream: Duplex }>): Deployment {
  const target = {
    endpoint: 'memory://',
    connect: async () => 'memory',
    containers: {
      inspect: async (name: string) => (name === 'conf-alpha' ? container(state) : null),
      connect: async (id: string, port: number) => {
        const stream = net.connect(appPort, '127.0.0.1');
        connects.push({ id, port, stream });
        return stream;
      },
      errorMessage: (err: unknown) => (err as Error).message,
    },
  } as unknown as Target;
  return {
    fleetFile: '/srv/fleet/fleet.yaml',
    fleet,
    owner,
    target,
    requireEvents: (names: string[]) => {
      for (const n of names) if (!(n in fleet.events)) throw new UsageError(`no event ${n}`);
    },
  } as unknown as Deployment;
}

let app: http.Server | undefined;
afterEach(async () => {
  warnings.length = 0;
  await new Promise((resolve) => (app ? app.close(resolve) : resolve(null)));
  app = undefined;
});

async function startApp(): Promise<number> {
  app = http.createServer((req, res) => res.end(`Howdy from ${req.url}`));
  await new Promise<void>((resolve) => app!.listen(0, '127.0.0.1', resolve));
  return (app.address() as net.AddressInfo).port;
}

describe('openEvent', () => {
  it('the URL serves the app through the target (port 5000 of the event container); close() ends every stream', async () => {
    const connects: Array<{ id: string; port: number; stream: Duplex }> = [];
    const forward = await openEvent(deployment('running', await startApp(), connects), { event: 'alpha' }, report);
    expect(forward.url).toBe(`http://127.0.0.1:${forward.port}/`);
    expect(forward.container).toBe('conf-alpha');
    const bodies = await Promise.all(['a', 'b', 'c'].map(async (p) => (await fetch(new URL(p, forward.url))).text()));
    expect(bodies).toEqual(['Howdy from /a', 'Howdy from /b', 'Howdy from /c']);
    // one probe, then the connections: each to the event container's app port
    expect(connects.length).toBeGreaterThanOrEqual(2);
    expect(new Set(connects.map((c) => `${c.id}:${c.port}`))).toEqual(new Set(['c1:5000']));
    await forward.close();
    expect(connects.every((c) => c.stream.destroyed)).toBe(true);
    await expect(fetch(forward.url)).rejects.toThrow();
    expect(warnings).toEqual([]);
  });

  it('a container that is not running, or whose app does not answer: refused before a URL is given', async () => {
    await expect(openEvent(deployment('exited', await startApp(), []), { event: 'alpha' }, report)).rejects.toThrow(
      new UsageError('conf-alpha is exited, not running (`demo-fleet up` starts it)'),
    );
    const closed = await startApp();
    await new Promise((resolve) => app!.close(resolve));
    app = undefined;
    const refused = openEvent(deployment('running', closed, []), { event: 'alpha' }, report);
    await expect(refused).rejects.toBeInstanceOf(DeployError);
    await expect(refused).rejects.toThrow(
      /^conf-alpha: the app does not answer on port 5000 inside it \(.*ECONNREFUSED.*\): see `demo-fleet logs alpha`$/,
    );
  });

  it('an event the fleet file does not have is refused; so is a port in use', async () => {
    await expect(openEvent(deployment('running', 1, []), { event: 'nope' }, report)).rejects.toThrow('no event nope');
    const port = await startApp();
    await expect(openEvent(deployment('running', port, []), { event: 'alpha', port }, report)).rejects.toThrow(
      new UsageError(`--port ${port}: 127.0.0.1:${port} is in use: pick another port, or leave --port out for a free one`),
    );
  });
});
