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

/** Split a multiplexed log buffer: 8-byte headers [stream, 0, 0, 0, size(4, BE)]. */
export function demuxBuffer(buf: Buffer, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const kind = buf[offset]!;
    const size = buf.readUInt32BE(offset + 4);
    const chunk = buf.subarray(offset + 8, offset + 8 + size);
    (kind === 2 ? stderr : stdout).write(chunk);
    offset += 8 + size;
  }
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
