/**
 * A byte stream to a TCP port on a container's own loopback, through the engine API alone: an exec of a
 * tiny relay (node, which every event image has for its app) with its stdin and stdout attached over
 * the exec's hijacked connection. So nothing is published, it works wherever exec works (a local
 * socket, tcp://, ssh://), and the relay ends with the stream: closing the connection closes the relay's
 * stdin, which ends its socket, which ends the process.
 */
import type Docker from 'dockerode';
import { Duplex, Transform, type TransformCallback } from 'node:stream';
import { eachFrame } from './logs.js';

/**
 * The relay: stdin → 127.0.0.1:<port>, the socket → stdout. A connect failure goes to stderr (exit 1),
 * read back as the stream's error. Once the socket is closed, stdin is let go, so the process ends even
 * while its stdin is still open.
 */
export const RELAY = [
  "const s=require('net').connect(Number(process.argv[1]),'127.0.0.1');",
  'process.stdin.pipe(s);s.pipe(process.stdout);',
  "s.on('error',e=>{require('fs').writeSync(2,e.message);process.exitCode=1});",
  "s.on('close',()=>process.stdin.destroy());",
].join('');

/** Kept of the relay's stderr for the error message. */
const STDERR_KEPT = 2048;

/**
 * The engine's multiplexed exec output (logs.ts eachFrame) as a stream of stdout bytes; stderr payloads go to `onStderr`. Backpressure passes through (a Transform).
 */
export class StdoutDemux extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private readonly onStderr: (chunk: Buffer) => void;

  constructor(onStderr: (chunk: Buffer) => void) {
    super();
    this.onStderr = onStderr;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const used = eachFrame(this.pending, (type, payload) => {
      if (type === 1) this.push(payload);
      else if (type === 2) this.onStderr(payload);
    });
    this.pending = this.pending.subarray(used);
    done();
  }
}

/** The stream to `port` inside container `id`; destroy() (or the end of both sides) ends the relay. */
export async function connectInContainer(docker: Docker, id: string, port: number): Promise<Duplex> {
  const exec = await docker.getContainer(id).exec({
    Cmd: ['node', '-e', RELAY, String(port)],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const socket = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  let stderr = '';
  const demux = new StdoutDemux((chunk) => {
    if (stderr.length < STDERR_KEPT) stderr += chunk.toString('utf8').slice(0, STDERR_KEPT - stderr.length);
  });
  socket.pipe(demux);

  const stream = new Duplex({
    allowHalfOpen: true,
    read() {
      demux.resume();
    },
    write(chunk: Buffer, encoding, done) {
      socket.write(chunk, encoding, done);
    },
    final(done) {
      socket.end(); // the relay's stdin ends: it half-closes its socket to the app
      done();
    },
    destroy(err, done) {
      socket.destroy();
      done(err);
    },
  });
  demux.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) demux.pause();
  });
  demux.on('end', () => {
    // The relay said why it could not connect (nothing listens there): that is the stream's error.
    if (stderr.trim()) stream.destroy(new Error(stderr.trim()));
    else stream.push(null);
  });
  socket.on('error', (err: Error) => stream.destroy(err));
  socket.on('close', () => {
    if (!demux.writableEnded) demux.end();
  });
  return stream;
}
