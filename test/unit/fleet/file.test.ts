/**
 * cli/fleet/file.ts: errors name file, line and field in one line; editFleet never leaves a changed,
 * half-written or invalid file, nor temp/lock files.
 */
import { chmod, copyFile, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { editFleet, loadFleet, parseFleet, resolveFleetPath } from '../../../cli/fleet/file.js';
import { addEvent, initialFleetText } from '../../../cli/fleet/edit.js';
import { UsageError } from '../../../cli/errors.js';
import { tempDir } from '../../helpers/cli.js';
import { INVALID_DIR, INVALID_FLEETS, wherePattern } from '../../fixtures/fleets/invalid.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/fleets');

/** The UsageError message thrown by `fn`, of one or more lines (fails the test if it does not throw one). */
async function usageErrorLines(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

/** The one-line UsageError message thrown by `fn`. */
async function usageError(fn: () => unknown): Promise<string> {
  const message = await usageErrorLines(fn);
  expect(message, 'one line').not.toContain('\n');
  return message;
}

describe('parseFleet errors', () => {
  for (const f of INVALID_FLEETS) {
    it(`${f.what} (${f.file}): one line naming file:line and field`, async () => {
      const text = await readFile(path.join(INVALID_DIR, f.file), 'utf8');
      // parseFleet reports the path relative to the cwd, as the user typed it.
      const message = await usageError(() => parseFleet(text, path.resolve(f.file)));
      expect(message).toMatch(wherePattern(f.file, f));
      expect(message).toMatch(f.says);
    });
  }

  it('lists every problem, one line each, the first problem first', async () => {
    const message = await usageErrorLines(() =>
      parseFleet('year: 2026\npuid: x\npgid: y\nevnts: {}\nhealth: {interval: 1d, retries: 0}\n', path.resolve('f.yaml')),
    );
    expect(message.split('\n')).toEqual([
      expect.stringMatching(/^f\.yaml:2: puid: .*expected number/),
      expect.stringMatching(/^f\.yaml:3: pgid: .*expected number/),
      expect.stringMatching(/^f\.yaml:5: health\.interval: must be a duration like "500ms", "10s", "2m" or "1h"$/),
      expect.stringMatching(/^f\.yaml:5: health\.retries: /),
      expect.stringMatching(/^f\.yaml:4: evnts: unknown key "evnts"/),
    ]);
    expect(message).not.toMatch(/and \d+ more/);
  });

  it('several unknown keys in one map: a line each', async () => {
    const message = await usageErrorLines(() =>
      parseFleet('year: 2026\nevents:\n  a:\n    funel: true\n    sssh: true\n', path.resolve('f.yaml')),
    );
    expect(message.split('\n')).toEqual([
      expect.stringMatching(/^f\.yaml:4: events\.a\.funel: unknown key "funel"/),
      expect.stringMatching(/^f\.yaml:5: events\.a\.sssh: unknown key "sssh"/),
    ]);
  });

  it('a file without year is refused (whatever the date), giving the line to add; with year, 31 Dec and 1 Jan parse alike', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const parsed: unknown[] = [];
      for (const now of ['2026-12-31T23:59:59Z', '2027-01-01T00:00:01Z']) {
        vi.setSystemTime(new Date(now));
        const year = new Date().getFullYear();
        const message = await usageError(() => parseFleet('name: id-demo\nevents:\n  cleveland: {}\n', path.resolve('fleet.yaml')));
        expect(message).toMatch(new RegExp(`^fleet\\.yaml:1: year: missing: add the line \`year: ${year}\``));
        parsed.push(parseFleet('year: 2026\nevents:\n  cleveland: {}\n', 'fleet.yaml').fleet);
      }
      expect(parsed[1]).toEqual(parsed[0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('an empty file is refused for its missing year; with a year it is a fleet with defaults and no events', async () => {
    expect(await usageError(() => parseFleet('', path.resolve('fleet.yaml')))).toMatch(
      /^fleet\.yaml: year: missing: add the line `year: \d{4}`/,
    );
    const { fleet } = parseFleet('year: 2026\n', 'fleet.yaml');
    expect(fleet).toMatchObject({ name: 'id-demo', image: 'demo-fleet/id-headers-demo', puid: 1000, year: 2026, events: {} });
  });

  it('the hand-commented fixture is valid', async () => {
    const { fleet } = parseFleet(await readFile(path.join(FIXTURES, 'commented.yaml'), 'utf8'), 'commented.yaml');
    expect(Object.keys(fleet.events)).toEqual(['raleigh', 'chicago']);
    expect(fleet.dockerMods).toEqual(['ghcr.io/tailscale-dev/docker-mod:main']);
  });
});

describe('loadFleet / resolveFleetPath', () => {
  it('a missing file says how to create one', async () => {
    const message = await usageError(() => loadFleet('/nonexistent/fleet.yaml'));
    expect(message).toMatch(/no fleet file here.*demo-fleet init/);
  });

  it('--file, then DEMO_FLEET_FILE, then ./fleet.yaml, against the working directory of the run', () => {
    expect(resolveFleetPath(undefined, '/w', {})).toBe('/w/fleet.yaml');
    expect(resolveFleetPath(undefined, '/w', { DEMO_FLEET_FILE: 'env.yaml' })).toBe('/w/env.yaml');
    expect(resolveFleetPath('flag.yaml', '/w', { DEMO_FLEET_FILE: 'env.yaml' })).toBe('/w/flag.yaml');
    expect(resolveFleetPath('/abs/flag.yaml', '/w', {})).toBe('/abs/flag.yaml');
  });
});

describe('editFleet', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let file: string;
  const OLD = new Date('2020-01-02T03:04:05Z');

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    file = path.join(dir, 'fleet.yaml');
    await copyFile(path.join(FIXTURES, 'commented.yaml'), file);
    await utimes(file, OLD, OLD);
  });
  afterEach(() => cleanup());

  async function snapshot() {
    return { bytes: await readFile(file), mtimeMs: (await stat(file)).mtimeMs };
  }

  it('writes the edit and leaves only the fleet file behind (no temp file, no lock)', async () => {
    const result = await editFleet(file, (current) => addEvent(current!.text, 'berlin', {}));
    expect(result.fleet.events.berlin).toBeDefined();
    expect((await loadFleet(file)).fleet.events.berlin).toBeDefined();
    expect(await readdir(dir)).toEqual(['fleet.yaml']);
  });

  it('keeps the file mode', async () => {
    await chmod(file, 0o640);
    await editFleet(file, (current) => addEvent(current!.text, 'berlin', {}));
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });

  it('an edit that throws leaves the file byte-identical (mtime too) and releases the lock', async () => {
    const before = await snapshot();
    await expect(
      editFleet(file, () => {
        throw new UsageError('nope');
      }),
    ).rejects.toThrow('nope');
    expect(await snapshot()).toEqual(before);
    expect(await readdir(dir)).toEqual(['fleet.yaml']);
    await editFleet(file, (current) => addEvent(current!.text, 'berlin', {})); // the lock was released
  });

  it('an edit whose result does not validate is not written, and the error has no line of unwritten text', async () => {
    const before = await snapshot();
    const message = await usageError(() => editFleet(file, (current) => addEvent(current!.text, 'berlin', { inviteLink: 'not a url' })));
    expect(message).toMatch(
      /^.*fleet\.yaml: events\.berlin\.inviteLink: must be an http\(s\) URL \(not written: the fleet file is unchanged\)$/,
    );
    expect(await snapshot()).toEqual(before);
    expect(await readdir(dir)).toEqual(['fleet.yaml']);
  });

  it('an edit with several problems: every line without a line number, "not written" on the first', async () => {
    const before = await snapshot();
    const message = await usageErrorLines(() =>
      editFleet(file, (current) => addEvent(current!.text, 'berlin', { inviteLink: 'not a url', tz: 'Mars/Olympus' })),
    );
    expect(message.split('\n')).toEqual([
      expect.stringMatching(
        /^.*fleet\.yaml: events\.berlin\.inviteLink: must be an http\(s\) URL \(not written: the fleet file is unchanged\)$/,
      ),
      expect.stringMatching(/^.*fleet\.yaml: events\.berlin\.tz: unknown time zone "Mars\/Olympus"/),
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('an invalid file on disk is reported with its line and never edited', async () => {
    await writeFile(file, 'name: id-demo\nyear: 2026\nevents:\n  a:\n    funel: true\n');
    await utimes(file, OLD, OLD);
    const before = await snapshot();
    let called = false;
    const message = await usageError(() =>
      editFleet(file, (current) => {
        called = true;
        return current!.text;
      }),
    );
    expect(called).toBe(false);
    expect(message).toMatch(/fleet\.yaml:5: events\.a\.funel: unknown key "funel"/);
    expect(await snapshot()).toEqual(before);
  });

  it('an edit that changes nothing does not rewrite the file', async () => {
    const before = await snapshot();
    await editFleet(file, (current) => current!.text);
    expect(await snapshot()).toEqual(before);
  });

  it('gets null for a missing file and creates it', async () => {
    const fresh = path.join(dir, 'new.yaml');
    let seen: unknown = 'unset';
    await editFleet(fresh, (current) => {
      seen = current;
      return initialFleetText({ id: 'fleetidfleet' });
    });
    expect(seen).toBeNull();
    expect(await readFile(fresh, 'utf8')).toBe(initialFleetText({ id: 'fleetidfleet' }));
  });

  it('a missing directory is named as such, not as a lock held by someone else', async () => {
    const message = await usageError(() => editFleet(path.join(dir, 'no', 'such', 'fleet.yaml'), () => initialFleetText()));
    expect(message).toMatch(/directory .*no\/such does not exist/);
    expect(message).not.toMatch(/another demo-fleet/);
  });

  it('serializes concurrent edits in one process: none is lost', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => editFleet(file, (current) => addEvent(current!.text, `ev${i}`, {}))));
    const { fleet } = await loadFleet(file);
    expect(Object.keys(fleet.events).sort()).toEqual(['chicago', 'raleigh', ...Array.from({ length: 8 }, (_, i) => `ev${i}`)].sort());
    expect(await readdir(dir)).toEqual(['fleet.yaml']);
  });

  it('a held lock makes a second editor wait, then it goes ahead', async () => {
    let releaseFirst!: () => void;
    const gate = new Promise<void>((r) => (releaseFirst = r));
    const order: string[] = [];
    const first = editFleet(file, async (current) => {
      order.push('first start');
      await gate;
      order.push('first end');
      return addEvent(current!.text, 'one', {});
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = editFleet(file, (current) => {
      order.push('second');
      return addEvent(current!.text, 'two', {});
    });
    await new Promise((r) => setTimeout(r, 150));
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first start', 'first end', 'second']);
    expect(Object.keys((await loadFleet(file)).fleet.events)).toEqual(['raleigh', 'chicago', 'one', 'two']);
  });
});
