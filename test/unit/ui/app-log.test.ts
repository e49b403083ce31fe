import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { appLogFormatter, clockIn, formatLogLine } from '../../../cli/ui/app-log.js';

const T = Date.parse('2026-12-07T22:40:01.123Z');
const utc = clockIn('Etc/UTC');

/** Lines as the app's logger (pino, as fastify runs it) writes them. */
function pinoLines(log: (logger: pino.Logger) => void): string[] {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  log(pino({ level: 'info', timestamp: () => `,"time":${T}` }, sink));
  return lines;
}

describe('app log lines', () => {
  it('a pino line: the time as tailscaled prints it, the level, the message, the other fields (pid, hostname left out)', () => {
    const [line] = pinoLines((l) => l.info({ host: '127.0.0.1', port: 5000 }, 'identity demo listening on http://127.0.0.1:5000'));
    expect(line).toMatch(/^\{"level":30,"time":\d+,"pid":\d+,"hostname":/);
    expect(formatLogLine(line!, utc)).toBe(
      '2026/12/07 22:40:01 INFO  identity demo listening on http://127.0.0.1:5000 host=127.0.0.1 port=5000',
    );
  });

  it("in the container's time zone (its TZ), like its other lines", () => {
    const [line] = pinoLines((l) => l.warn('slow'));
    expect(appLogFormatter('Asia/Tokyo')(line!)).toBe('2026/12/08 07:40:01 WARN  slow');
    expect(appLogFormatter(undefined)(line!)).toBe('2026/12/07 22:40:01 WARN  slow');
    expect(appLogFormatter('Not/AZone')(line!)).toBe('2026/12/07 22:40:01 WARN  slow');
  });

  it('an error: Type: message inline, quoted; its stack below, indented', () => {
    const err = new TypeError('boom here');
    err.stack = 'TypeError: boom here\n    at handler (/app/server.cjs:1:2)\n    at next (/app/server.cjs:3:4)';
    const [line] = pinoLines((l) => l.error({ err, url: '/x?a=b c' }, 'request failed'));
    expect(formatLogLine(line!, utc).split('\n')).toEqual([
      '2026/12/07 22:40:01 ERROR request failed err="TypeError: boom here" url="/x?a=b c"',
      '    at handler (/app/server.cjs:1:2)',
      '    at next (/app/server.cjs:3:4)',
    ]);
  });

  it('nested fields as JSON; booleans and numbers bare', () => {
    const [line] = pinoLines((l) => l.info({ req: { method: 'GET', url: '/' }, ok: true, ms: 1.5 }, 'done'));
    expect(formatLogLine(line!, utc)).toBe('2026/12/07 22:40:01 INFO  done req={"method":"GET","url":"/"} ok=true ms=1.5');
  });

  it('with the engine time in front (`logs -t`), it stays in front', () => {
    const [line] = pinoLines((l) => l.info('up'));
    const stamped = `2026-12-07T22:40:01.123456789Z ${line}`;
    expect(formatLogLine(stamped, utc)).toBe('2026-12-07T22:40:01.123456789Z 2026/12/07 22:40:01 INFO  up');
  });

  it('every other line passes unchanged: s6, tailscaled, JSON that is not a pino record, broken JSON', () => {
    for (const other of [
      '[custom-init] No custom files found, skipping...',
      '2026/12/07 22:40:02 wgengine: Reconfig: configuring userspace WireGuard config',
      '{"hello":"world"}',
      '{"level":30,"time":"yesterday","msg":"x"}',
      '{"level":30,"time":1',
      '',
      '[1,2]',
    ])
      expect(formatLogLine(other, utc), other).toBe(other);
  });
});
