import { describe, expect, it } from 'vitest';
import type { EventStatus } from '../../../cli/deploy/status.js';
import { STATUS_COLUMNS, statusRows, statusTable } from '../../../cli/ui/status-table.js';
import { table, terminalWidth, truncate } from '../../../cli/ui/table.js';

const NOW = Date.parse('2026-12-07T22:00:00Z');
const REV_A = '86096e5-33f02c718426';
const REV_B = '86096e5-33f0aa000000';

const row = (event: string, over: Partial<EventStatus> = {}): EventStatus => ({
  event,
  container: `id-demo-${event}`,
  state: 'running',
  health: 'healthy',
  image: `ghcr.io/acme-events/identity-demo:${event}`,
  revision: REV_A,
  commit: '86096e5c0ffee0000000000000000000000000000'.slice(0, 40),
  started: '2026-12-07T21:57:00Z',
  restarts: 0,
  hostname: `id-demo-${event}`,
  inFleet: true,
  tailnet: 'served',
  url: `https://id-demo-${event}.tail8c2f1.ts.net`,
  funnel: true,
  loginUrl: null,
  ...over,
});

const ROWS = [
  row('cleveland'),
  row('tokyo', { revision: REV_B }),
  row('berlin-meetup-2026', {
    tailnet: 'waiting for login',
    url: null,
    funnel: null,
    loginUrl: 'https://login.tailscale.com/a/1a2b3c4d5e6f',
  }),
  row('gone', { inFleet: false, state: 'exited', health: '-' }),
];

const lines = (text: string) => text.split('\n');
const headers = (text: string) => lines(text)[0]!.split(/\s{2,}/);
const widest = (text: string) => Math.max(...lines(text).map((l) => l.length));

describe('status table width', () => {
  it("a target of several machines (Swarm) adds each row's node after the state; one engine has no such column", () => {
    const onNodes = ROWS.map((r, i) => ({ ...r, node: i % 2 ? 'w1 (abc123def456)' : 'vm (0123456789ab)' }));
    const text = statusTable(onNodes, [REV_A, REV_B], undefined, NOW);
    expect(headers(text).slice(0, 5)).toEqual(['EVENT', 'CONTAINER', 'STATE', 'NODE', 'HEALTH']);
    expect(lines(text)[2]).toContain('w1 (abc123def456)');
    expect(headers(statusTable(ROWS, [REV_A, REV_B], undefined, NOW))).not.toContain('NODE');
  });

  it('uncut (piped): every column, whatever the width', () => {
    const text = statusTable(ROWS, [REV_A, REV_B], undefined, NOW);
    expect(headers(text)).toEqual([
      'EVENT',
      'CONTAINER',
      'STATE',
      'HEALTH',
      'TAILNET',
      'IMAGE',
      'REVISION',
      'STARTED',
      'RESTARTS',
      'HOSTNAME',
    ]);
    expect(widest(text)).toBeGreaterThan(200);
    expect(text).not.toContain('…');
  });

  it('200 columns: the hostname goes first (and the container), nothing is cut', () => {
    const text = statusTable(ROWS, [REV_A, REV_B], 200, NOW);
    expect(headers(text)).toEqual(['EVENT', 'STATE', 'HEALTH', 'TAILNET', 'IMAGE', 'REVISION', 'STARTED', 'RESTARTS']);
    expect(widest(text)).toBeLessThanOrEqual(200);
    expect(text).not.toContain('…');
    expect(text).toContain('waiting for login: https://login.tailscale.com/a/1a2b3c4d5e6f');
    const short = [row('tokyo'), row('paris', { revision: REV_B })];
    expect(statusTable(short, [REV_A, REV_B], 200, NOW)).toBe(statusTable(short, [REV_A, REV_B], undefined, NOW)); // fits: as uncut
  });

  it('120 columns: the least important columns go first (hostname, container, image, restarts, uptime), the rest stay whole', () => {
    const text = statusTable(ROWS, [REV_A, REV_B], 120, NOW);
    expect(headers(text)).toEqual(['EVENT', 'STATE', 'HEALTH', 'TAILNET', 'REVISION']);
    expect(text).not.toContain('…');
    expect(widest(text)).toBeLessThanOrEqual(120);
    expect(text).toContain('https://id-demo-cleveland.tail8c2f1.ts.net (funnel)');
    expect(text).toContain('berlin-meetup-2026');
  });

  it('80 columns: event, state and the node; a long login URL is cut with an ellipsis', () => {
    const text = statusTable(ROWS, [REV_A, REV_B], 80, NOW);
    expect(headers(text)).toEqual(['EVENT', 'STATE', 'TAILNET']);
    for (const l of lines(text)) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(text).toContain('https://id-demo-cleveland.tail8c2f1.ts.net (funne…');
    expect(text).toMatch(/waiting for login: https:\/\/login\.tail\S*…/);
  });

  it('80 columns, shorter names: the revision stays, whole (what is shown is what `rollback --to` takes)', () => {
    const rows = [row('tokyo', { funnel: false }), row('paris', { revision: REV_B, funnel: false })];
    const text = statusTable(rows, [REV_A, REV_B], 80, NOW);
    expect(headers(text)).toEqual(['EVENT', 'STATE', 'HEALTH', 'TAILNET', 'REVISION']);
    for (const l of lines(text)) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(lines(text)[1]).toMatch(/ 86096e5-33f02$/);
    expect(lines(text)[2]).toMatch(/ 86096e5-33f0a$/);
  });

  it('too narrow for even the columns that stay: the floors hold (wider than asked, never unreadable)', () => {
    const text = statusTable(ROWS, [REV_A, REV_B], 30, NOW);
    expect(headers(text)).toEqual(['EVENT', 'STATE', 'TAILNET']);
    expect(lines(text)[1]).toMatch(/^cleveland\s+running\s+https:\/\//);
    expect(lines(text)[4]).toMatch(/^gone \(not in fl… {2}exited/);
  });

  it('the revision shown is the shortest unique start of it (two builds of one commit differ)', () => {
    const shown = statusRows(ROWS, [REV_A, REV_B], NOW).map((r) => r.revision);
    expect(shown.slice(0, 2)).toEqual(['86096e5-33f02', '86096e5-33f0a']);
    const alone = statusRows([row('x')], [REV_A], NOW)[0]!.revision;
    expect(alone).toBe('86096e5-33f0');
    const legacy = statusRows([row('x', { revision: null })], [], NOW)[0]!.revision;
    expect(legacy).toBe('86096e5');
  });

  it('STATUS_COLUMNS names every column the status table had', () => {
    expect(STATUS_COLUMNS.map((c) => (typeof c === 'string' ? c : c.key))).toEqual([
      'event',
      'container',
      'state',
      'health',
      'tailnet',
      'image',
      'revision',
      'started',
      'restarts',
      'hostname',
    ]);
  });
});

describe('table', () => {
  it('plain column names never give way: the table is as wide as it needs', () => {
    const text = table([{ a: 'x'.repeat(50), b: 'y'.repeat(50) }], ['a', 'b'], 20);
    expect(lines(text)[1]).toBe(`${'x'.repeat(50)}  ${'y'.repeat(50)}`);
  });

  it('a header is never cut, and a cut value ends in an ellipsis', () => {
    const text = table(
      [{ name: 'abcdefghijklmnop', long: 'z'.repeat(30) }],
      [
        { key: 'name', min: 4 },
        { key: 'long', min: 10 },
      ],
      20,
    );
    expect(lines(text)).toEqual(['NAME      LONG', 'abcdefg…  zzzzzzzzz…']);
  });

  it('truncate counts visible characters (colours dropped when cut)', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('\u001b[32mabcdef\u001b[39m', 4)).toBe('abc…');
    expect(truncate('\u001b[32mab\u001b[39m', 4)).toBe('\u001b[32mab\u001b[39m');
  });
});

describe('terminalWidth', () => {
  it("a terminal's width; COLUMNS when set; no limit when piped", () => {
    expect(terminalWidth({ isTTY: true, columns: 93 }, {})).toBe(93);
    expect(terminalWidth({ isTTY: true, columns: 93 }, { COLUMNS: '120' })).toBe(120);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: '70' })).toBe(70);
    expect(terminalWidth({ isTTY: false }, {})).toBeUndefined();
    expect(terminalWidth({}, { COLUMNS: 'wide' })).toBeUndefined();
    expect(terminalWidth({ isTTY: true, columns: 0 }, { COLUMNS: '0' })).toBeUndefined();
  });
});
