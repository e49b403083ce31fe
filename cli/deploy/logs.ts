/**
 * `logs`: one event's container output, or every event's with each line prefixed by its event (as
 * `docker compose logs` does). A container that is not this fleet's is never read.
 */
import { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { containerName } from '../fleet/naming.js';
import type { ContainerDetails, LogOptions } from '../targets/target.js';
import type { Deployment } from './deployment.js';
import { eventContainer } from './event-container.js';

export interface LogsOptions extends Omit<LogOptions, 'stdout' | 'stderr'> {
  /** One event; every event of the fleet when undefined. */
  event?: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function eventLogs(d: Deployment, options: LogsOptions): Promise<void> {
  const { fleet, owner } = d;
  const runtime = d.target.containers;
  const { stdout, stderr, event, ...logOptions } = options;
  if (event !== undefined) {
    d.requireEvents([event]);
    await d.target.connect();
    const info = await eventContainer(runtime, owner, event);
    if (!info) throw new UsageError(`event "${event}" has no container ${containerName(fleet, event)} (run \`demo-fleet up\`)`);
    await runtime.logs(info.id, { ...logOptions, stdout, stderr });
    return;
  }
  const events = Object.keys(fleet.events).sort();
  if (events.length === 0) throw new UsageError('the fleet file has no events (`demo-fleet add <event>`)');
  await d.target.connect();
  const found = (await Promise.all(events.map(async (e) => ({ event: e, info: await eventContainer(runtime, owner, e) })))).filter(
    (c): c is { event: string; info: ContainerDetails } => c.info !== null,
  );
  if (found.length === 0) throw new UsageError('no event of the fleet has a container (run `demo-fleet up`)');
  const width = Math.max(...found.map((c) => c.event.length));
  const read = async ({ event: e, info }: (typeof found)[number]) => {
    const prefix = `${e.padEnd(width)} | `;
    const out = linePrefixer(prefix, stdout);
    const err = linePrefixer(prefix, stderr);
    await runtime.logs(info.id, { ...logOptions, stdout: out, stderr: err });
    out.end();
    err.end();
  };
  // Following: all at once, lines interleaved as they come; otherwise one event after another.
  if (logOptions.follow) await Promise.all(found.map(read));
  else for (const c of found) await read(c);
}

/** A writable that writes each complete line to `target` with `prefix` in front (a partial last line on end). */
function linePrefixer(prefix: string, target: NodeJS.WritableStream): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      if (lines.length) target.write(lines.map((l) => `${prefix}${l}\n`).join(''));
      done();
    },
    final(done) {
      if (partial) target.write(`${prefix}${partial}\n`);
      done();
    },
  });
}
