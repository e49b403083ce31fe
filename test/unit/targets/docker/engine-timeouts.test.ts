/**
 * An engine that accepts the connection but never answers must not hang demo-fleet: the first request
 * (the ping) and every request that is not a stream are bounded; streams (logs -f, build, pull, push)
 * are not. Fake engines on 127.0.0.1: a TCP "blackhole", and an HTTP one that leaves chosen paths
 * unanswered.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectEngine, ENGINE_TIMEOUTS, EngineTimeoutError, pingEngine } from '../../../../cli/targets/docker/client.js';
import { runCli, show, tempDir } from '../../../helpers/cli.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

/** Run `fn` with DOCKER_HOST set (docker-modem reads it from process.env when the client is made). */
async function withDockerHost<T>(host: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = host;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = before;
  }
}

describe('engine timeouts', () => {
  it('a blackhole engine (accepts, never answers): `status` ends with one line and exit 3', async () => {
    const port = await listen(net.createServer(() => {}));
    const { dir, cleanup } = await tempDir();
    try {
      expect((await runCli(['init', '--name', 'blackhole'], { cwd: dir })).code).toBe(0);
      const host = `tcp://127.0.0.1:${port}`;
      const r = await runCli(['status'], { cwd: dir, env: { DOCKER_HOST: host } });
      expect(r.code, show(r)).toBe(3);
      expect(r.stderr).toBe(
        `error: Docker at ${host} did not answer within ${ENGINE_TIMEOUTS.pingMs / 1000} s: check that DOCKER_HOST names a Docker engine and that dockerd is not hung\n`,
      );
      expect(r.stdout).toBe('');
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('a request that is not a stream is bounded; a stream whose answer takes longer than that bound is not', async () => {
    const requestMs = 300;
    const server = http.createServer((req, res) => {
      if (req.url?.includes('/version')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ApiVersion: '1.41', Version: 'fake' }));
      } else if (req.url?.includes('/logs')) {
        // Headers only after several request bounds: a stream must still get its answer.
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
          res.end('hello\n');
        }, requestMs * 4);
      }
      // Every other path: never answered.
    });
    const port = await listen(server);
    await withDockerHost(`tcp://127.0.0.1:${port}`, async () => {
      const engine = connectEngine({ pingMs: 5_000, requestMs });
      expect(await pingEngine(engine)).toBe('1.41');

      const listed = engine.docker.listContainers({ all: true }).then(
        () => 'answered',
        (err: unknown) => err,
      );
      const err = await listed;
      expect(err).toBeInstanceOf(EngineTimeoutError);
      expect((err as Error).message).toBe(`no answer to GET /containers/json within ${requestMs / 1000} s`);

      const stream = (await engine.docker.getContainer('x').logs({ follow: true, stdout: true })) as NodeJS.ReadableStream;
      let text = '';
      for await (const chunk of stream) text += chunk.toString();
      expect(text).toBe('hello\n');
    });
  });
});
