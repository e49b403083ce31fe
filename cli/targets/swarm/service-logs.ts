/**
 * A service's output through the manager (`docker service logs`: every task's, from whichever node ran
 * it; FINDINGS.md §5), demultiplexed like a container's, without the events' report lines (report.ts):
 * they are for demo-fleet, not for the person reading the logs.
 */
import type Docker from 'dockerode';
import { Transform, type TransformCallback } from 'node:stream';
import { demuxBuffer, type LogSource, logQuery, logText } from '../docker/logs.js';
import type { LogOptions } from '../target.js';
import { isReportLine } from './report.js';

/** What of the logs to read (the Runtime's LogOptions without the streams). */
type Window = Pick<LogOptions, 'since' | 'tail' | 'timestamps'>;

/** All of it as one text (stdout and stderr in the order the engine sent them), report lines included. */
export function serviceLogText(docker: Docker, id: string, w: Window): Promise<string> {
  return logText(docker, docker.getService(id) as unknown as LogSource, w);
}

/** One task's output only (a service's logs interleave every task it kept). */
export function taskLogText(docker: Docker, taskId: string, w: Window): Promise<string> {
  return logText(docker, docker.getTask(taskId) as unknown as LogSource, w);
}

/** Drops report lines from a stream of whole or partial lines. */
class WithoutReports extends Transform {
  private rest = '';
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const lines = (this.rest + chunk.toString('utf8')).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) if (!isReportLine(line)) this.push(`${line}\n`);
    done();
  }
  override _flush(done: TransformCallback): void {
    if (this.rest && !isReportLine(this.rest)) this.push(this.rest);
    done();
  }
}

export async function serviceLogs(docker: Docker, id: string, options: LogOptions): Promise<void> {
  const out = new WithoutReports();
  const err = new WithoutReports();
  out.pipe(options.stdout, { end: false });
  err.pipe(options.stderr, { end: false });
  const ended = (s: NodeJS.ReadableStream) =>
    new Promise<void>((resolve, reject) => {
      s.on('end', resolve);
      s.on('close', resolve);
      s.on('error', reject);
    });
  if (!options.follow) {
    const buf = (await docker.getService(id).logs({ ...logQuery(options), follow: false })) as unknown as Buffer;
    demuxBuffer(buf, out, err);
  } else {
    const stream = (await docker.getService(id).logs({ ...logQuery(options), follow: true })) as unknown as NodeJS.ReadableStream;
    docker.modem.demuxStream(stream, out, err);
    await ended(stream);
  }
  out.end();
  err.end();
  await Promise.all([ended(out), ended(err)]);
}

/** The last lines of one task's output without report lines, for a failure report. */
export async function lastTaskLogLines(docker: Docker, taskId: string, lines: number): Promise<string> {
  try {
    // reports may be among the last lines: read more, keep the last `lines` of the rest
    const text = await taskLogText(docker, taskId, { tail: lines * 4 });
    const kept = text.split('\n').filter((l) => l && !isReportLine(l));
    return kept.slice(-lines).join('\n') || '(no logs)';
  } catch {
    return '(no logs)';
  }
}
