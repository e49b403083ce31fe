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
import { parseDuration } from '../../../cli/util/duration.js';
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
        year: 2026,
        events: {
          'a-1': {
            inviteLink: 'https://x.example/i',
            hostname: 'a1',
            year: 2024,
            serveMode: 'http',
            tz: 'UTC',
            ssh: true,
            authKey: { file: 'k' },
          },
        },
      },
    ];
    for (const doc of docs) {
      expect(FleetSchema.safeParse(doc).success).toBe(true);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('rejects what zod rejects (every invalid fixture but the rules only the CLI checks)', () => {
    const validate = compile();
    for (const f of INVALID_FLEETS.filter((x) => x.file !== 'malformed.yaml' && !x.cliOnly)) {
      const doc = parse(readFileSync(path.join(INVALID_DIR, f.file), 'utf8'));
      expect(FleetSchema.safeParse(doc).success, f.file).toBe(false);
      expect(validate(doc), f.file).toBe(false);
    }
    for (const doc of [
      { year: 2026, events: { a: { authKey: { env: 'X', file: 'y' } } } },
      { year: 2026, events: { a: { authKey: 'tskey-auth-inline' } } },
      { year: 2026, events: { a: { serveMode: 'ftp' } } },
      { year: 2026, events: { a: { serveMode: 'tls-terminated-tcp' } } },
      { year: 2026, events: { a: { ssh: 'on' } } },
      { year: 2026, pull: 'no' },
      { year: 2026, health: { interval: '10 seconds' } },
      { year: 2026, health: { interval: '1d' } },
      { year: 2026, image: 'Repo:Tag' },
      { events: {} },
    ]) {
      expect(FleetSchema.safeParse(doc).success, JSON.stringify(doc)).toBe(false);
      expect(validate(doc), JSON.stringify(doc)).toBe(false);
    }
  });
});

/** The zod issues for `doc`, as `path: message` lines. */
function issues(doc: unknown): string[] {
  const result = FleetSchema.safeParse(doc);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('what the docker-mod can do', () => {
  it('serve modes: https and http only; tcp and tls-terminated-tcp say why and what to use', () => {
    expect(issues({ year: 2026, events: { a: { serveMode: 'https' }, b: { serveMode: 'http' } } })).toEqual([]);
    for (const mode of ['tcp', 'tls-terminated-tcp']) {
      expect(issues({ year: 2026, events: { a: { serveMode: mode } } })).toEqual([
        `events.a.serveMode: serve mode "${mode}" does not work through the Tailscale docker-mod (it serves http://localhost:5000, which ${mode} refuses): use https, or http on headscale`,
      ]);
    }
    expect(issues({ year: 2026, events: { a: { serveMode: 'ftp' } } })).toEqual(['events.a.serveMode: must be https or http (got "ftp")']);
    const schema = fleetJsonSchema() as {
      $defs?: unknown;
      properties: { events: { additionalProperties: { properties: { serveMode: { enum: string[] } } } } };
    };
    expect(schema.properties.events.additionalProperties.properties.serveMode.enum).toEqual(['https', 'http']);
  });

  it('Funnel needs the effective serve mode https (`tailscale funnel` has no --http)', () => {
    expect(
      issues({ year: 2026, events: { a: { funnel: true }, b: { funnel: true, serveMode: 'https' }, c: { serveMode: 'http' } } }),
    ).toEqual([]);
    expect(issues({ year: 2026, events: { a: { funnel: true, serveMode: 'http' } } })).toEqual([
      'events.a.funnel: Funnel needs serve mode https (`tailscale funnel` has no --http): remove serveMode: http, or set funnel: false',
    ]);
    // With headscale the effective mode is http, and Funnel is refused once, by the headscale rule.
    expect(issues({ year: 2026, loginServer: 'https://hs.example.com', events: { a: { funnel: true } } })).toEqual([
      'events.a.funnel: headscale has no Funnel: set funnel: false, or remove loginServer to use Tailscale',
    ]);
  });

  it('headscale with serve mode https is refused (no certificates); http, given or by default, is fine', () => {
    expect(issues({ year: 2026, loginServer: 'https://hs.example.com', events: { a: {}, b: { serveMode: 'http' } } })).toEqual([]);
    expect(issues({ year: 2026, loginServer: 'https://hs.example.com', events: { a: { serveMode: 'https' } } })).toEqual([
      'events.a.serveMode: headscale issues no HTTPS certificates, so https serves nothing: use serveMode: http (the default with loginServer)',
    ]);
  });

  it('the effective hostname is at most 63 characters: a long event name plus the year needs hostname:', () => {
    const name59 = 'e'.repeat(59);
    const name60 = 'e'.repeat(60);
    expect(issues({ year: 2026, events: { [name59]: {} } })).toEqual([]); // e…e2026: 63
    expect(issues({ year: 2026, events: { [name60]: {} } })).toEqual([
      `events.${name60}.hostname: the default hostname "${name60}2026" (<event><year>) is 64 characters, over the 63 a DNS label allows: give the event its own hostname: of at most 63 (add --hostname <name>)`,
    ]);
    expect(issues({ year: 2026, events: { [name60]: { hostname: 'short' } } })).toEqual([]);
    expect(issues({ year: 2026, events: { [name59]: { year: 2026 } } })).toEqual([]);
  });
});

describe('the year', () => {
  it('is required, with the line to add; the JSON Schema requires it too and has no clock-made default', () => {
    expect(issues({ events: {} })).toEqual([
      `year: missing: add the line \`year: ${new Date().getFullYear()}\` (the year of your events: hostnames are <event><year>, state dirs <appdata>/<year>/<event>)`,
    ]);
    expect(issues({ year: '2026', events: {} })).toEqual(['year: Invalid input: expected number, received string']);
    const schema = fleetJsonSchema() as { required?: string[]; properties: { year: Record<string, unknown> } };
    expect(schema.required).toContain('year');
    expect(schema.properties.year).not.toHaveProperty('default');
  });
});

describe('input checks', () => {
  it('time zones: IANA names this Node knows (and UTC, Etc/UTC, aliases such as Asia/Kolkata), exact case', () => {
    for (const tz of [
      'Etc/UTC',
      'UTC',
      'America/New_York',
      'Europe/Berlin',
      'Asia/Kolkata',
      'Asia/Calcutta',
      'Europe/Kyiv',
      'US/Eastern',
      'Etc/GMT+5',
    ]) {
      expect(issues({ year: 2026, tz, events: { a: { tz } } }), tz).toEqual([]);
    }
    expect(issues({ year: 2026, events: { a: { tz: 'Mars/Olympus' } } })).toEqual([
      expect.stringMatching(/^events\.a\.tz: unknown time zone "Mars\/Olympus": use an IANA name like /),
    ]);
    expect(issues({ year: 2026, tz: 'Berlin', events: {} })).toEqual([
      'tz: unknown time zone "Berlin": use an IANA name like Europe/Berlin',
    ]);
    expect(issues({ year: 2026, tz: 'europe/berlin', events: {} })).toEqual([
      'tz: time zone "europe/berlin" is written in the wrong case: use Europe/Berlin (the container looks the name up as a file)',
    ]);
    expect(issues({ year: 2026, tz: 'us/eastern', events: {} })).toEqual([
      expect.stringMatching(/^tz: unknown time zone "us\/eastern": use an IANA name like America\/New_York$/),
    ]);
  });

  it('booleans written yes/no/on/off (text in YAML 1.2) get "use true or false"', () => {
    for (const word of ['yes', 'no', 'on', 'off', 'Yes', 'OFF']) {
      const doc = parse(`year: 2026\npull: ${word}\nevents:\n  a:\n    funnel: ${word}\n    ssh: ${word}\n`);
      expect(issues(doc), word).toEqual(
        ['pull', 'events.a.funnel', 'events.a.ssh'].map(
          (f) => `${f}: expected boolean, got the text "${word}": use true or false (unquoted; YAML reads yes/no/on/off as text)`,
        ),
      );
    }
    expect(issues({ year: 2026, events: { a: { funnel: 1 } } })).toEqual([
      'events.a.funnel: Invalid input: expected boolean, received number',
    ]);
  });

  it('durations take ms, s, m and h, and parseDuration reads every one the schema lets through', () => {
    const ok = { '500ms': 500, '10s': 10_000, '2m': 120_000, '1h': 3_600_000, '0s': 0 };
    for (const [text, ms] of Object.entries(ok)) {
      expect(issues({ year: 2026, health: { interval: text } }), text).toEqual([]);
      expect(parseDuration(text)).toBe(ms);
    }
    for (const text of ['1d', '1.5h', '10 s', 's', '-1s', '1H']) {
      expect(issues({ year: 2026, health: { interval: text } }), text).toEqual([
        'health.interval: must be a duration like "500ms", "10s", "2m" or "1h"',
      ]);
      expect(() => parseDuration(text), text).toThrow(/not a duration/);
    }
    const validate = compile();
    expect(validate({ year: 2026, health: { interval: '1h' } })).toBe(true);
    expect(validate({ year: 2026, health: { interval: '1d' } })).toBe(false);
  });
});
