/**
 * `--json [fields]` as gh has it: `--json` prints every field with its full value; `--json a,b` only those
 * fields of each object (in the order asked). An unknown field is a usage error that lists the fields.
 */
import { UsageError } from '../errors.js';

/** The commander option value: true for a bare `--json`, the comma list otherwise. */
export type JsonFlag = boolean | string | undefined;

/** The fields asked for (null: all), checked against the fields the command has. */
export function jsonFields(flag: JsonFlag, available: readonly string[]): string[] | null {
  if (flag === undefined || flag === false || flag === true) return null;
  const fields = flag
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = fields.filter((f) => !available.includes(f));
  if (fields.length === 0 || unknown.length > 0) {
    const what = unknown.length
      ? `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `"${f}"`).join(', ')}`
      : 'no field named';
    throw new UsageError(`--json: ${what}; available fields: ${available.join(', ')}`);
  }
  return [...new Set(fields)];
}

/** Each object (or the one object) with only `fields`, or as it is when `fields` is null. */
export function pickFields<T extends object>(value: T[] | T, fields: string[] | null): unknown {
  if (!fields) return value;
  const pick = (o: T) => Object.fromEntries(fields.map((f) => [f, (o as Record<string, unknown>)[f] ?? null]));
  return Array.isArray(value) ? value.map(pick) : pick(value);
}

/** Help text for the option. */
export function jsonHelp(available: readonly string[]): string {
  return `machine-readable output (full values); with a comma list only those fields: ${available.join(', ')}`;
}
