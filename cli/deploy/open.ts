/**
 * `open`: an event's page on the operator's machine. A port on 127.0.0.1 is forwarded to the app in the
 * event's container (port 5000 on its loopback, where serve proxies to) through the target's own
 * channel (Runtime.connect: for Docker an exec relay, so it works over ssh:// and publishes nothing).
 * Each local connection is one stream; close() ends them all and stops listening, so nothing is left on
 * the target. Loopback only: the app trusts identity headers from loopback, and so would a forward
 * others could reach.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { DeployError, UsageError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { APP_PORT } from '../render/service.js';
import type { Runtime } from '../targets/target.js';
import type { Deployment } from './deployment.js';
import { runningEventContainer } from './event-container.js';

export const OPEN_HOST = '127.0.0.1';

export interface OpenOptions {
  event: string;
  /** The local port (0 or undefined: a free one). */
  port?: number | undefined;
}

export interface OpenForward {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  /** The event's container the forward reaches, and the app's port inside it. */
  container: string;
  appPort: number;
  /** Stop listening and end every open stream (and with them what carries them on the target). */
  close: () => Promise<void>;
}

export async function openEvent(d: Deployment, options: OpenOptions, report: Reporter): Promise<OpenForward> {
  const { event } = options;
  const info = await runningEventContainer(d, event);
  const runtime = d.target.containers;
  await probe(runtime, info.id, info.name, event);

  const streams = new Set<Duplex | net.Socket>();
  const track = <T extends Duplex | net.Socket>(s: T): T => {
    streams.add(s);
    s.once('close', () => streams.delete(s));
    return s;
  };
  // allowHalfOpen: a client that ends its side after the request still gets the whole response.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    client.pause();
    client.on('error', () => client.destroy());
    runtime.connect(info.id, APP_PORT).then(
      (remote) => {
        track(remote);
        if (client.destroyed) return void remote.destroy();
        remote.on('error', (err) => {
          report.warn(`${info.name}: a connection to the app failed: ${runtime.errorMessage(err)}`);
          client.destroy();
        });
        client.on('close', () => remote.destroy());
        remote.on('close', () => {
          if (!client.writableEnded) client.destroy();
        });
        client.pipe(remote);
        remote.pipe(client);
        client.resume();
      },
      (err: unknown) => {
        report.warn(`${info.name}: cannot reach the app: ${runtime.errorMessage(err)}`);
        client.destroy();
      },
    );
  });
  const port = await listen(server, options.port ?? 0);
  return {
    url: `http://${OPEN_HOST}:${port}/`,
    port,
    container: info.name,
    appPort: APP_PORT,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const ended = [...streams].map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve()))));
      for (const s of streams) s.destroy();
      await Promise.all([closed, ...ended]);
    },
  };
}

/** One stream opened and ended before the URL is given: the app answers, or the reason is the error. */
async function probe(runtime: Runtime, id: string, name: string, event: string): Promise<void> {
  try {
    const stream = await runtime.connect(id, APP_PORT);
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('end', resolve);
      stream.resume();
      stream.end();
    });
    stream.destroy();
  } catch (err) {
    throw new DeployError(
      `${name}: the app does not answer on port ${APP_PORT} inside it (${runtime.errorMessage(err)}): see \`demo-fleet logs ${event}\``,
    );
  }
}

async function listen(server: net.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, OPEN_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new UsageError(`--port ${port}: ${OPEN_HOST}:${port} is in use: pick another port, or leave --port out for a free one`);
    if (err.code === 'EACCES') throw new UsageError(`--port ${port}: not allowed to listen on ${OPEN_HOST}:${port}: use a port above 1023`);
    throw err;
  });
  return (server.address() as net.AddressInfo).port;
}
