/**
 * cli/fleet/schema.ts: the JSON Schema editors get (`demo-fleet schema`, fleet.schema.json) is valid
 * JSON Schema and agrees with the zod validator the CLI uses, on valid and invalid files alike.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FleetSchema, fleetJsonSchema } from '../../../cli/fleet/schema.js';
import { initialFleetText } from '../../../cli/fleet/edit.js';
import { schemaText } from '../../../cli/fleet/schema-file.js';
import { INVALID_DIR, INVALID_FLEETS } from '../../fixtures/fleets/invalid.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/fleets');
// ajv-formats is CommonJS: its default import is module.exports, whose `.default` is the plugin.
const addFormats = addFormatsModule.default;

function compile() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  return ajv.compile(fleetJsonSchema());
}

describe('fleet JSON Schema', () => {
  it('is draft 2020-12, compiles under ajv strict mode, and lists the fleet keys', () => {
    const schema = fleetJsonSchema() as { $schema: string; properties: Record<string, unknown>; additionalProperties: unknown };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['events', 'name', 'image', 'loginServer', 'tailnetDomain']));
    expect(schema.additionalProperties).toBe(false);
    expect(() => compile()).not.toThrow();
  });

  it('schemaText is that schema as pretty JSON with a final newline', () => {
    const text = schemaText();
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(fleetJsonSchema());
  });

  it('accepts what zod accepts: the initial file, the hand-commented fixture, a full event', () => {
    const validate = compile();
    const docs = [
      parse(initialFleetText()),
      parse(readFileSync(path.join(FIXTURES, 'commented.yaml'), 'utf8')),
      {
        loginServer: 'https://headscale.example.com',
        tailnetDomain: 'tail1234.ts.net',
        health: { interval: '500ms', retries: 5 },
        events: { 'a-1': { inviteLink: 'https://x.example/i', hostname: 'a1', year: 2024, serveMode: 'http', tz: 'UTC', ssh: true, authKey: { file: 'k' } } },
      },
    ];
    for (const doc of docs) {
      expect(FleetSchema.safeParse(doc).success).toBe(true);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('rejects what zod rejects (every invalid fixture but the cross-field headscale+funnel rule)', () => {
    const validate = compile();
    for (const f of INVALID_FLEETS.filter((x) => x.file !== 'malformed.yaml' && x.file !== 'headscale-funnel.yaml')) {
      const doc = parse(readFileSync(path.join(INVALID_DIR, f.file), 'utf8'));
      expect(FleetSchema.safeParse(doc).success, f.file).toBe(false);
      expect(validate(doc), f.file).toBe(false);
    }
    for (const doc of [
      { events: { a: { authKey: { env: 'X', file: 'y' } } } },
      { events: { a: { authKey: 'tskey-auth-inline' } } },
      { events: { a: { serveMode: 'ftp' } } },
      { health: { interval: '10 seconds' } },
      { image: 'Repo:Tag' },
    ]) {
      expect(FleetSchema.safeParse(doc).success, JSON.stringify(doc)).toBe(false);
      expect(validate(doc), JSON.stringify(doc)).toBe(false);
    }
  });
});
