/** A Docker container's output: demultiplexed (non-TTY containers interleave stdout/stderr frames). */
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import type { LogOptions } from '../target.js';

/** Demultiplexed logs (non-TTY containers interleave stdout/stderr frames). */
export async function containerLogs(docker: Docker, id: string, options: LogOptions): Promise<void> {
  return sourceLogs(docker, docker.getContainer(id), options);
}

/** What has logs in the engine's multiplexed format: a container, a Swarm service or task. */
export interface LogSource {
  logs(options: object): Promise<unknown>;
}

/** The engine's query for both streams in the options' window. */
export function logQuery(options: Pick<LogOptions, 'since' | 'tail' | 'timestamps'>) {
  return {
    stdout: true,
    stderr: true,
    timestamps: options.timestamps ?? false,
    ...(options.tail !== undefined ? { tail: options.tail } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
  } as const;
}

/** The logs of `source`, demultiplexed onto the options' streams (followed when asked). */
export async function sourceLogs(docker: Docker, source: LogSource, options: LogOptions): Promise<void> {
  const common = logQuery(options);
  if (!options.follow) {
    const buf = (await source.logs({ ...common, follow: false })) as unknown as Buffer | string;
    const out = new PassThrough();
    const err = new PassThrough();
    out.pipe(options.stdout, { end: false });
    err.pipe(options.stderr, { end: false });
    demuxBuffer(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)), out, err);
    return;
  }
  const stream = (await source.logs({ ...common, follow: true })) as unknown as NodeJS.ReadableStream;
  docker.modem.demuxStream(stream, options.stdout, options.stderr);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
}

/**
 * Each whole frame of the engine's multiplexed format in `buf` (8-byte header: stream type 1 stdout / 2
 * stderr, 3 zero bytes, payload size BE), in order; returns the bytes those frames took (a frame cut off at
 * the end is left for the caller that streams).
 */
export function eachFrame(buf: Buffer, onFrame: (type: number, payload: Buffer) => void): number {
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const size = buf.readUInt32BE(offset + 4);
    if (offset + 8 + size > buf.length) break;
    onFrame(buf[offset]!, buf.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset;
}

/** Split a whole multiplexed log buffer onto two streams; of a last frame cut short, what is there. */
export function demuxBuffer(buf: Buffer, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  const to = (type: number) => (type === 2 ? stderr : stdout);
  const used = eachFrame(buf, (type, payload) => to(type).write(payload));
  if (used + 8 <= buf.length) to(buf[used]!).write(buf.subarray(used + 8));
}

/** The last lines of a container's output, as text (for failure reports). */
export async function lastLogLines(docker: Docker, id: string, lines: number): Promise<string> {
  try {
    return (await logText(docker, docker.getContainer(id), { tail: lines })).trimEnd();
  } catch {
    return '(no logs)';
  }
}

/** The logs of `source` as one text: stdout and stderr in the order the engine sent them. */
export async function logText(
  docker: Docker,
  source: LogSource,
  window: Pick<LogOptions, 'since' | 'tail' | 'timestamps'>,
): Promise<string> {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  await sourceLogs(docker, source, { ...window, stdout: sink, stderr: sink });
  return Buffer.concat(chunks).toString('utf8');
}
