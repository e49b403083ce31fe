/**
 * cli/fleet/limits.ts: a fleet file too big to be a fleet is refused before it is parsed (a 13 MB file
 * kept `list` busy for minutes), in one line naming the file, the limit and the fix; so are more events
 * than one machine runs, and a map or list too long to be meant. Duplicate keys are still found.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFleet } from '../../../cli/fleet/file.js';
import { MAX_EVENTS, MAX_FLEET_BYTES } from '../../../cli/fleet/limits.js';
import { UsageError } from '../../../cli/errors.js';
import { show, tempDir, runInProcess } from '../../helpers/cli.js';

/** A fleet file with `n` events of the smallest form (`e<i>: {}`). */
const withEvents = (n: number) => `year: 2026\nevents:\n${Array.from({ length: n }, (_, i) => `  e${i}: {}\n`).join('')}`;

function parseError(text: string): string {
  try {
    parseFleet(text, path.resolve('f.yaml'));
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('fleet file limits', () => {
  it('the limits are documented in the README where the fleet file is described', async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## The fleet file'), readme.indexOf('## What `up` does'));
    expect(section).toContain(`${MAX_FLEET_BYTES / 1024} KiB`);
    expect(section).toContain(`${MAX_EVENTS} events`);
  });

  it('a file over the size limit is refused at once by list, render and up --dry-run (exit 2, one line), untouched', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const text = withEvents(40_000); // ~450 KB
      expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_FLEET_BYTES);
      await writeFile(path.join(dir, 'fleet.yaml'), text);
      for (const args of [['list'], ['render'], ['up', '--dry-run']]) {
        const r = await runInProcess(args, { cwd: dir });
        expect(r.code, show(r)).toBe(2);
        expect(r.stderr).toMatch(
          /^(==> validate fleet\n)?error: fleet\.yaml: the fleet file is \d+ KiB, over the limit of 256 KiB: .*split the events over several fleet files \(--file\)\n$/,
        );
      }
      expect(await readFile(path.join(dir, 'fleet.yaml'), 'utf8')).toBe(text);
    } finally {
      await cleanup();
    }
  }, 60_000);

  it(`more than ${MAX_EVENTS} events: one line naming the events line and the limit`, () => {
    expect(() => parseFleet(withEvents(MAX_EVENTS), path.resolve('f.yaml'))).not.toThrow();
    expect(parseError(withEvents(MAX_EVENTS + 1))).toBe(
      `f.yaml:2: events: ${MAX_EVENTS + 1} events, over the limit of ${MAX_EVENTS} in one fleet file: split the events over several fleet files (--file)`,
    );
  });

  it('a map that long anywhere else is refused before validation lists its keys one by one (which took minutes)', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: 1\n`).join('');
    const message = parseError(`year: 2026\nhealth:\n${keys}`);
    expect(message).toMatch(/^f\.yaml:2: health: 20000 entries, over the limit of \d+ in one map or list/);
    expect(message).not.toContain('\n');
  });

  it('a duplicate key is still refused with its line and column', () => {
    expect(parseError('year: 2026\nevents:\n  a: {}\n  a: {funnel: true}\n')).toBe(
      'f.yaml:4:3: invalid YAML: Map keys must be unique (fix the syntax at that line)',
    );
    expect(parseError('year: 2026\nevents: {a: {}, b: {}, a: {}}\n')).toMatch(/^f\.yaml:2:24: invalid YAML: Map keys must be unique/);
  });
});
