/**
 * `logs`: one event's container output, or every event's with each line prefixed by its event (as
 * `docker compose logs` does). The app's JSON lines are shown readably (ui/app-log.ts) unless `raw`.
 * A container that is not this fleet's is never read.
 */
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../errors.js';
import { containerName } from '../fleet/naming.js';
import type { ContainerDetails, LogOptions } from '../targets/target.js';
import { appLogFormatter } from '../ui/app-log.js';
import type { Deployment } from './deployment.js';
import { eventContainer } from './event-container.js';

export interface LogsOptions extends Omit<LogOptions, 'stdout' | 'stderr'> {
  /** One event; every event of the fleet when undefined. */
  event?: string;
  /** The output as the engine has it (the app's lines as JSON); else the app's lines formatted. */
  raw?: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function eventLogs(d: Deployment, options: LogsOptions): Promise<void> {
  const { fleet, owner } = d;
  const runtime = d.target.containers;
  const { stdout, stderr, event, raw, ...logOptions } = options;
  const formatFor = (info: ContainerDetails) => (raw ? null : appLogFormatter(info.environment.find(([k]) => k === 'TZ')?.[1]));
  if (event !== undefined) {
    d.requireEvents([event]);
    await d.target.connect();
    const info = await eventContainer(runtime, owner, event);
    if (!info) throw new UsageError(`event "${event}" has no container ${containerName(fleet, event)} (run \`demo-fleet up\`)`);
    const format = formatFor(info);
    if (!format) return runtime.logs(info.id, { ...logOptions, stdout, stderr });
    const out = lineWriter('', format, stdout);
    const err = lineWriter('', format, stderr);
    await runtime.logs(info.id, { ...logOptions, stdout: out, stderr: err });
    await Promise.all([ended(out), ended(err)]);
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
    const format = formatFor(info);
    const out = lineWriter(prefix, format, stdout);
    const err = lineWriter(prefix, format, stderr);
    await runtime.logs(info.id, { ...logOptions, stdout: out, stderr: err });
    await Promise.all([ended(out), ended(err)]);
  };
  // Following: all at once, lines interleaved as they come; otherwise one event after another.
  if (logOptions.follow) await Promise.all(found.map(read));
  else for (const c of found) await read(c);
}

/** End the writable and wait until its last partial line is written. */
function ended(w: Writable): Promise<void> {
  return new Promise((resolve) => w.end(resolve));
}

/**
 * A writable that writes each complete line to `target` with `prefix` in front (a partial last line on
 * end), formatted first when there is a `format` (a formatted line may be several: each gets the prefix).
 */
function lineWriter(prefix: string, format: ((line: string) => string) | null, target: NodeJS.WritableStream): Writable {
  let partial = '';
  const decoder = new StringDecoder('utf8'); // a character split across two chunks stays whole
  const shown = (line: string) =>
    (format ? format(line) : line)
      .split('\n')
      .map((l) => `${prefix}${l}\n`)
      .join('');
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop() ?? '';
      if (lines.length) target.write(lines.map(shown).join(''));
      done();
    },
    final(done) {
      partial += decoder.end();
      if (partial) target.write(shown(partial));
      done();
    },
  });
}
