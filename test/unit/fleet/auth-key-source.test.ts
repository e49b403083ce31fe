/** authKey in the fleet file: one source, env or file; both (one would be dropped) or neither is one line naming the field and the fix. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/errors.js';
import { parseFleet } from '../../../cli/fleet/file.js';
import { runInProcess } from '../../helpers/cli.js';

const fleetText = (authKey: string) => `year: 2026\nevents:\n  cleveland:\n    authKey: ${authKey}\n`;

function problems(text: string): string[] {
  try {
    parseFleet(text, path.join(process.cwd(), 'fleet.yaml'));
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message.split('\n');
  }
  return [];
}

describe('authKey sources', () => {
  it('both env and file: refused, saying to keep one', () => {
    expect(problems(fleetText('{env: TS_KEY, file: key.txt}'))).toEqual([
      'fleet.yaml:4: events.cleveland.authKey: both env and file given, but an event takes one key source: keep only one of them',
    ]);
  });

  it('neither: the two forms', () => {
    expect(problems(fleetText('{}'))).toEqual([
      'fleet.yaml:4: events.cleveland.authKey: must be one key source: env: <VARIABLE> (the key in an environment variable) or file: <path>',
    ]);
  });

  it('one source is fine; a bad variable name and an unknown key keep their own messages', () => {
    expect(problems(fleetText('{env: TS_KEY}'))).toEqual([]);
    expect(problems(fleetText('{file: key.txt}'))).toEqual([]);
    expect(problems(fleetText('{env: 1bad}'))).toEqual([
      'fleet.yaml:4: events.cleveland.authKey.env: must be an environment variable name',
    ]);
  });

  it('the CLI: render refuses with exit 2 and one line, writes nothing, the fleet file byte-identical', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'demo-fleet-authkey-'));
    try {
      const file = path.join(dir, 'fleet.yaml');
      const text = fleetText('{env: TS_KEY, file: key.txt}');
      await writeFile(file, text);
      const r = await runInProcess(['render'], { cwd: dir, env: { TS_KEY: 'tskey-auth-x' } });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        'error: fleet.yaml:4: events.cleveland.authKey: both env and file given, but an event takes one key source: keep only one of them\n',
      );
      expect(await readFile(file, 'utf8')).toBe(text);
      expect(existsSync(path.join(dir, 'compose'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
