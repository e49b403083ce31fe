/**
 * The exec stream `open` reads: the engine's multiplexed frames (8-byte header [type,0,0,0,size BE] +
 * payload) turned back into the relay's stdout bytes, wherever the chunk boundaries fall; its stderr
 * goes aside (the stream's error). And the relay program itself, run here against a local server.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RELAY, StdoutDemux } from '../../../../cli/targets/docker/forward.js';

function frame(type: 0 | 1 | 2, payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

async function demux(chunks: Buffer[]): Promise<{ stdout: string; stderr: string }> {
  let stderr = '';
  const d = new StdoutDemux((c) => (stderr += c.toString('utf8')));
  const out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((resolve) => d.on('end', resolve));
  for (const c of chunks) d.write(c);
  d.end();
  await ended;
  return { stdout: Buffer.concat(out).toString('utf8'), stderr };
}

describe('StdoutDemux', () => {
  it('stdout payloads in order, stderr aside, whole frames in one chunk', async () => {
    const all = Buffer.concat([frame(1, 'HTTP/1.1 200 OK\r\n'), frame(2, 'oops'), frame(1, '\r\nbody')]);
    expect(await demux([all])).toEqual({ stdout: 'HTTP/1.1 200 OK\r\n\r\nbody', stderr: 'oops' });
  });

  it('frames split anywhere (inside the header, inside the payload) come out the same', async () => {
    const all = Buffer.concat([frame(1, 'hello '), frame(1, 'wörld'), frame(2, 'e')]);
    for (let cut = 1; cut < all.length; cut++) {
      expect(await demux([all.subarray(0, cut), all.subarray(cut)])).toEqual({ stdout: 'hello wörld', stderr: 'e' });
    }
    expect(await demux([...all].map((b) => Buffer.from([b])))).toEqual({ stdout: 'hello wörld', stderr: 'e' });
  });
});

describe('the relay program', () => {
  const relay = (port: number, input: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['-e', RELAY, String(port)], (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input);
    });

  it('carries a request to 127.0.0.1:<port> and the response back, then ends (stdin ended first: keep-alive)', async () => {
    const server = http.createServer((req, res) => res.end(`hi ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await relay(port, 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhi \/x$/);
    } finally {
      server.close();
    }
  });

  it('nothing listening: exit 1 and the reason on stderr', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const r = await relay(port, '');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});
