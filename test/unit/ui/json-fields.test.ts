import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/errors.js';
import { jsonFields, pickFields } from '../../../cli/ui/json-fields.js';

const AVAILABLE = ['event', 'state', 'url', 'started'];
const rows = [
  { event: 'alpha', state: 'running', url: 'https://a', started: '2026-12-01T07:08:38.088000399Z' },
  { event: 'beta', state: 'missing', url: null, started: null },
];

describe('--json [fields]', () => {
  it('bare --json: every field, full values', () => {
    expect(jsonFields(true, AVAILABLE)).toBeNull();
    expect(jsonFields(undefined, AVAILABLE)).toBeNull();
    expect(pickFields(rows, null)).toBe(rows);
  });

  it('a comma list: only those fields, in the order asked, values untouched', () => {
    const fields = jsonFields('url, event,url', AVAILABLE);
    expect(fields).toEqual(['url', 'event']);
    expect(pickFields(rows, fields)).toEqual([
      { url: 'https://a', event: 'alpha' },
      { url: null, event: 'beta' },
    ]);
    expect(Object.keys((pickFields(rows, ['started', 'state']) as object[])[0]!)).toEqual(['started', 'state']);
    expect(pickFields(rows[0]!, ['started'])).toEqual({ started: '2026-12-01T07:08:38.088000399Z' });
  });

  it('an unknown field: a usage error (exit 2) on one line listing the available fields', () => {
    const call = () => jsonFields('event,uptime', AVAILABLE);
    expect(call).toThrow(UsageError);
    expect(call).toThrow('--json: unknown field "uptime"; available fields: event, state, url, started');
    try {
      call();
    } catch (err) {
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as Error).message).not.toContain('\n');
    }
    expect(() => jsonFields(',', AVAILABLE)).toThrow(/--json: no field named; available fields: event/);
  });
});
