/**
 * The app's log lines as people read them. The app logs pino JSON (one object a line: `level` a number,
 * `time` epoch milliseconds, `msg`; https://getpino.io/#/docs/api?id=logger) so that its output stays
 * machine-readable in the container's log (`docker logs`, `demo-fleet logs --raw`, a log shipper); `logs`
 * shows such a line like the rest of the container's output — the time as tailscaled prints its own
 * (`2006/01/02 15:04:05` in the container's TZ), then the level, the message and the other fields as
 * key=value. Anything else (s6, tailscaled, a line that is not an object) passes unchanged.
 */

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** pino's own fields, shown in their own places (pid/hostname: the container's, the same on every line). */
const OWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

/** `docker logs -t` puts the engine's RFC 3339 time in front of each line; it stays in front. */
const ENGINE_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) )/;

type Clock = (epochMs: number) => string;

/** `2006/01/02 15:04:05` in `timeZone` (Go's log.LstdFlags, which tailscaled's lines use). */
export function clockIn(timeZone: string): Clock {
  const parts = {
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  } as const;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { ...parts, timeZone });
  } catch {
    format = new Intl.DateTimeFormat('en-US', { ...parts, timeZone: 'UTC' }); // a zone this Node does not know
  }
  return (ms) => {
    const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return `${p.year}/${p.month}/${p.day} ${p.hour}:${p.minute}:${p.second}`;
  };
}

/** A value as key=value shows it: bare when it has no space or quote, else JSON. */
function shown(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** A serialized error (pino's `err`): `Type: message`, and its stack below, indented. */
function errorText(err: Record<string, unknown>): { inline: string; stack: string[] } {
  const type = typeof err.type === 'string' ? err.type : 'Error';
  const inline = shown(`${type}: ${String(err.message ?? '')}`);
  const stack =
    typeof err.stack === 'string'
      ? err.stack
          .split('\n')
          .slice(1)
          .map((l) => `    ${l.trim()}`)
      : [];
  return { inline, stack };
}

function pinoRecord(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const r = value as Record<string, unknown>;
    return typeof r.level === 'number' && typeof r.time === 'number' ? r : null;
  } catch {
    return null;
  }
}

/** One line (no newline) as shown; a pino line may become several (an error's stack). */
export function formatLogLine(line: string, clock: Clock): string {
  const engineTime = ENGINE_TIME.exec(line)?.[1] ?? '';
  const record = pinoRecord(line.slice(engineTime.length));
  if (!record) return line;
  const level = LEVELS[record.level as number] ?? `LEVEL${record.level}`;
  const fields: string[] = [];
  let stack: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (OWN.has(key) || value === undefined) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const e = errorText(value as Record<string, unknown>);
      fields.push(`err=${e.inline}`);
      stack = e.stack;
    } else fields.push(`${key}=${shown(value)}`);
  }
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const head = [`${engineTime}${clock(record.time as number)}`, level.padEnd(5), msg, ...fields].filter(Boolean).join(' ');
  return [head, ...stack].join('\n');
}

/** The formatter for one container's lines: its own TZ (the env the fleet file gave it), as its tailscaled uses. */
export function appLogFormatter(timeZone: string | undefined): (line: string) => string {
  const clock = clockIn(timeZone || 'UTC');
  return (line) => formatLogLine(line, clock);
}
