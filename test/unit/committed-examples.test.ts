/**
 * Generated files that are committed for readers (fleet.schema.json for editors, the example compose
 * file) must be what the code generates today, or they mislead.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors.js';
import { loadFleet } from '../../cli/fleet/file.js';
import { fleetOwner } from '../../cli/fleet/identity.js';
import { schemaText } from '../../cli/fleet/schema-file.js';
import { renderFleet } from '../../cli/render/render.js';

describe('committed generated files', () => {
  it('fleet.schema.json is the schema the validator generates', async () => {
    expect(await readFile('fleet.schema.json', 'utf8')).toBe(schemaText());
  });

  it('the example fleet.yaml has no fleet identity (one committed id would make every clone one fleet) and says how to make it yours', async () => {
    const file = path.resolve('fleet.yaml');
    const { fleet } = await loadFleet(file);
    expect(fleet.id).toBeUndefined();
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^# .*run `demo-fleet init` here: it adds an `id:` line/m);
    expect(text).toMatch(/^# .*delete its `id:` line, run `demo-fleet init`/m);
    // up/down/status on it stop before anything is touched, naming that fix
    expect(() => fleetOwner(fleet, file)).toThrow(UsageError);
    const cwd = process.cwd();
    expect(() => fleetOwner(fleet, path.join(cwd, 'fleet.yaml'))).toThrow(/run `demo-fleet init` to add one/);
  });

  it('the id error names the command that finds the file: `--file` when it is not ./fleet.yaml', async () => {
    const { fleet } = await loadFleet(path.resolve('fleet.yaml'));
    expect(() => fleetOwner(fleet, path.resolve('sub/other.yaml'))).toThrow(
      /^sub\/other\.yaml: no `id:` .*: run `demo-fleet --file sub\/other\.yaml init` to add one/,
    );
  });

  it('compose/example/docker-compose.yml is the render of the example fleet.yaml', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'demo-fleet-example-'));
    const saved = { c: process.env.TS_AUTHKEY_CLEVELAND, b: process.env.TS_AUTHKEY_BERLIN };
    delete process.env.TS_AUTHKEY_CLEVELAND;
    delete process.env.TS_AUTHKEY_BERLIN;
    try {
      const file = path.resolve('fleet.yaml');
      const { fleet } = await loadFleet(file);
      const result = await renderFleet(fleet, { fleetFile: file, outDir: out });
      expect(result.services.map((s) => s.event)).toEqual(['berlin', 'cleveland', 'tokyo']);
      expect(await readFile(result.composeFile, 'utf8')).toBe(await readFile('compose/example/docker-compose.yml', 'utf8'));
    } finally {
      if (saved.c !== undefined) process.env.TS_AUTHKEY_CLEVELAND = saved.c;
      if (saved.b !== undefined) process.env.TS_AUTHKEY_BERLIN = saved.b;
      await rm(out, { recursive: true, force: true });
    }
  });
});
