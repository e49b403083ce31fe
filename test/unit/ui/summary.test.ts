import { describe, expect, it } from 'vitest';
import type { EventResult } from '../../../cli/converge/apply.js';
import { colorEnabled, palette, visible } from '../../../cli/ui/colors.js';
import { elapsed } from '../../../cli/ui/duration.js';
import { downSummary, outcome, upSummary } from '../../../cli/ui/summary.js';

const result = (r: Partial<EventResult>): EventResult => ({
  event: 'alpha',
  action: 'create',
  ok: true,
  status: 'started',
  containerId: 'c1',
  ...r,
});

describe('elapsed', () => {
  it('tenths of a second below a minute, then minutes and seconds, then hours and minutes', () => {
    expect(elapsed(0)).toBe('0.0s');
    expect(elapsed(1_549)).toBe('1.5s');
    expect(elapsed(59_999)).toBe('59.9s');
    expect(elapsed(125_000)).toBe('2m05s');
    expect(elapsed(3_725_000)).toBe('1h02m');
  });
});

describe('summary table', () => {
  it("per event: outcome (its URL in its own column), duration and URL; '-' where there is none", () => {
    const text = upSummary(
      [
        result({ status: 'served https://alpha2026.tail0000.ts.net', url: 'https://alpha2026.tail0000.ts.net', durationMs: 12_345 }),
        result({
          event: 'beta',
          ok: false,
          needsPerson: true,
          status: 'waiting for login: https://login.tailscale.com/a/x',
          url: 'https://login.tailscale.com/a/x',
          durationMs: 800,
        }),
        result({ event: 'gamma', action: 'recreate', ok: false, skipped: true, status: 'not changed: canary alpha failed' }),
      ],
      palette(false),
    );
    expect(text.split('\n')).toEqual([
      'EVENT  ACTION    STATUS                            DURATION  URL',
      'alpha  create    served                            12.3s     https://alpha2026.tail0000.ts.net',
      'beta   create    waiting for login                 0.8s      https://login.tailscale.com/a/x',
      'gamma  recreate  not changed: canary alpha failed  -         -',
    ]);
  });

  it('coloured outcomes keep the columns aligned (widths by visible text)', () => {
    const rows = [
      result({ status: 'healthy', durationMs: 1000 }),
      result({ event: 'b', ok: false, status: 'unhealthy', durationMs: 2000 }),
    ];
    const coloured = upSummary(rows, palette(true));
    expect(coloured).toContain('\u001b[32mhealthy\u001b[39m');
    expect(visible(coloured)).toBe(upSummary(rows, palette(false)));
  });

  it('outcome drops only the URL', () => {
    expect(outcome({ status: 'served https://x.ts.net', url: 'https://x.ts.net' })).toBe('served');
    expect(outcome({ status: 'unhealthy' })).toBe('unhealthy');
  });

  it('down: per event the container, removed, and how long it took', () => {
    const text = downSummary({ removed: [{ event: 'alpha', container: 'f-alpha', durationMs: 10_400 }] }, palette(false));
    expect(text).toBe('EVENT  CONTAINER  STATUS   DURATION\nalpha  f-alpha    removed  10.4s');
  });
});

describe('colours', () => {
  it('only on a terminal, and never with NO_COLOR or TERM=dumb', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: 'false' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});
