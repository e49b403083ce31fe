/** A Docker container's output: demultiplexed (non-TTY containers interleave stdout/stderr frames). */
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import type { LogOptions } from '../target.js';

/** Demultiplexed logs (non-TTY containers interleave stdout/stderr frames). */
export async function containerLogs(docker: Docker, id: string, options: LogOptions): Promise<void> {
  const container = docker.getContainer(id);
  const common = {
    stdout: true,
    stderr: true,
    timestamps: options.timestamps ?? false,
    ...(options.tail !== undefined ? { tail: options.tail } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
  } as const;
  if (!options.follow) {
    const buf = (await container.logs({ ...common, follow: false })) as unknown as Buffer;
    const out = new PassThrough();
    const err = new PassThrough();
    out.pipe(options.stdout, { end: false });
    err.pipe(options.stderr, { end: false });
    demuxBuffer(buf, out, err);
    return;
  }
  const stream = (await container.logs({ ...common, follow: true })) as unknown as NodeJS.ReadableStream;
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
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  try {
    await containerLogs(docker, id, { tail: lines, stdout: sink, stderr: sink });
  } catch {
    return '(no logs)';
  }
  return Buffer.concat(chunks).toString('utf8').trimEnd();
}
