/**
 * cli/fleet/edit.ts: add/remove/update keep every byte of the fleet file outside the event they touch.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addEvent, ensureFleetId, initialFleetText, removeEvent } from '../../../cli/fleet/edit.js';
import { parseFleet } from '../../../cli/fleet/file.js';
import { UsageError } from '../../../cli/errors.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/fleets');
const commented = readFileSync(path.join(FIXTURES, 'commented.yaml'), 'utf8');

/** Validate like the CLI does before writing; returns the events. */
function events(text: string) {
  return parseFleet(text, 'fleet.yaml').fleet.events;
}

/** The text of `whole` with `part` taken out once (asserting it was there). */
function without(whole: string, part: string): string {
  const i = whole.indexOf(part);
  expect(i, `expected to find:\n${part}`).toBeGreaterThanOrEqual(0);
  return whole.slice(0, i) + whole.slice(i + part.length);
}

describe('addEvent on a hand-commented file', () => {
  it("inserts only the new event's lines, after the last event; every other byte is unchanged", () => {
    const out = addEvent(commented, 'cleveland', { funnel: true, inviteLink: 'https://login.tailscale.com/admin/invite/abc' });
    const added = '  cleveland:\n    funnel: true\n    inviteLink: https://login.tailscale.com/admin/invite/abc\n';
    // The new lines go after chicago's trailing (deeper-indented) comment, before the blank line.
    expect(out).toContain(`    # booth 42, next to the coffee\n${added}\n# trailing comment`);
    expect(without(out, added)).toBe(commented);
    expect(Object.keys(events(out))).toEqual(['raleigh', 'chicago', 'cleveland']);
    expect(events(out).cleveland).toMatchObject({ funnel: true, inviteLink: 'https://login.tailscale.com/admin/invite/abc' });
  });

  it('add then remove of a new event gives back the original bytes', () => {
    for (const [name, fields] of [
      ['berlin', {}],
      ['cleveland', { funnel: true, inviteLink: 'https://login.tailscale.com/admin/invite/abc', authKey: { env: 'TS_KEY' } }],
    ] as const) {
      const added = addEvent(commented, name, fields);
      expect(added).not.toBe(commented);
      expect(removeEvent(added, name)).toBe(commented);
    }
  });

  it('a field-less event is a one-line flow map', () => {
    const out = addEvent(commented, 'berlin', {});
    expect(without(out, '  berlin: {}\n')).toBe(commented);
    expect(events(out).berlin).toEqual({ funnel: false, ssh: false, interactiveLogin: false });
  });

  it('refuses a duplicate without update, and a name that is not a DNS label', () => {
    expect(() => addEvent(commented, 'raleigh', {})).toThrow(/event "raleigh" already exists.*--update/);
    for (const bad of ['Berlin', 'berlin_2024', '-berlin', 'berlin-', 'a'.repeat(64), '', 'ber lin']) {
      expect(() => addEvent(commented, bad, {}), bad).toThrow(UsageError);
    }
    expect(() => addEvent(commented, 'Berlin', {})).toThrow(/event name "Berlin": must be a DNS label/);
  });
});

describe('addEvent --update', () => {
  it('changes only the given fields of that event and only its lines', () => {
    const out = addEvent(commented, 'raleigh', { funnel: false, tz: 'America/New_York' }, { update: true });
    const raleighBefore = commented.slice(commented.indexOf('  raleigh:'), commented.indexOf('\n\n  # KubeCon'));
    const raleighAfter = out.slice(out.indexOf('  raleigh:'), out.indexOf('\n\n  # KubeCon'));
    expect(out.replace(raleighAfter, '')).toBe(commented.replace(raleighBefore, ''));
    const e = events(out);
    expect(e.raleigh).toEqual({
      inviteLink: 'https://login.tailscale.com/admin/invite/raleigh', // kept
      funnel: false, // changed
      tz: 'America/New_York', // added
      ssh: false,
      interactiveLogin: false,
    });
    expect(e.chicago).toEqual(events(commented).chicago);
    // The comment on the changed event's own line survives (its alignment may not: that line is re-written).
    expect(raleighAfter).toMatch(/inviteLink: "https:\/\/login\.tailscale\.com\/admin\/invite\/raleigh" +# expires in March/);
  });

  it('grows a `{}` event into a block map', () => {
    const text = addEvent(commented, 'berlin', {});
    const out = addEvent(text, 'berlin', { funnel: true }, { update: true });
    expect(without(out, '  berlin:\n    funnel: true\n')).toBe(commented);
  });

  it('with no fields given is a no-op', () => {
    expect(addEvent(commented, 'chicago', {}, { update: true })).toBe(commented);
  });

  it('keeps a nested authKey and can replace it', () => {
    const out = addEvent(commented, 'chicago', { authKey: { file: 'keys/chicago' } }, { update: true });
    expect(events(out).chicago?.authKey).toEqual({ file: 'keys/chicago' });
    expect(events(out).chicago?.hostname).toBe('kubecon-chicago');
  });
});

describe('removeEvent', () => {
  it('removes the event, the comment lines directly above it and its indented trailing comment', () => {
    const out = removeEvent(commented, 'chicago');
    expect(out).toBe(
      without(
        commented,
        '\n  # KubeCon NA\n  chicago:\n    funnel: false\n    hostname: kubecon-chicago   # short name for the booth QR code\n    tz: America/Chicago\n    authKey: { env: TS_KEY_CHICAGO }\n    # booth 42, next to the coffee\n',
      ),
    );
    expect(Object.keys(events(out))).toEqual(['raleigh']);
  });

  it('removing the first event does not leave a blank line first in the map', () => {
    const out = removeEvent(commented, 'raleigh');
    expect(out).toBe(
      without(
        commented,
        '  # All Things Open, Raleigh\n  raleigh:\n    inviteLink: "https://login.tailscale.com/admin/invite/raleigh"   # expires in March\n    funnel: true\n\n',
      ),
    );
    expect(out).toContain('events:\n  # KubeCon NA\n  chicago:');
  });

  it('removing the last event leaves `events: {}` and the rest as it was', () => {
    const out = removeEvent(removeEvent(commented, 'raleigh'), 'chicago');
    expect(out.slice(0, out.indexOf('events:'))).toBe(commented.slice(0, commented.indexOf('events:')));
    expect(out.slice(out.indexOf('events:'))).toBe('events: {}\n\n# trailing comment: nothing below events\n');
    expect(events(out)).toEqual({});
  });

  it('fails for an event that is not there', () => {
    expect(() => removeEvent(commented, 'nowhere')).toThrow(/event "nowhere" is not in the fleet file/);
  });
});

describe('the initial fleet file', () => {
  const initial = initialFleetText({ year: 2025 });

  it('starts with the yaml-language-server schema comment and validates', () => {
    expect(initial.startsWith('# yaml-language-server: $schema=./fleet.schema.json\n')).toBe(true);
    const { fleet } = parseFleet(initial, 'fleet.yaml');
    expect(fleet).toMatchObject({ name: 'id-demo', year: 2025, events: {} });
  });

  it('writes the year out (this year unless given): the fleet file, not the clock, fixes it from then on', () => {
    expect(initial).toMatch(/^year: 2025$/m);
    expect(initialFleetText()).toMatch(new RegExp(`^year: ${new Date().getFullYear()}$`, 'm'));
    expect(parseFleet(initialFleetText(), 'fleet.yaml').fleet.year).toBe(new Date().getFullYear());
  });

  it('first add turns `events: {}` into a block; removing it again gives back the original bytes', () => {
    const added = addEvent(initial, 'cleveland', {});
    expect(added).toBe(initial.replace('events: {}\n', 'events:\n  cleveland: {}\n'));
    expect(removeEvent(added, 'cleveland')).toBe(initial);
    const two = addEvent(addEvent(initial, 'cleveland', { funnel: true }), 'berlin', {});
    expect(two.endsWith('events:\n  cleveland:\n    funnel: true\n  berlin: {}\n')).toBe(true);
    expect(removeEvent(removeEvent(two, 'berlin'), 'cleveland')).toBe(initial);
  });
});

describe('other shapes of the events map', () => {
  it('a comment on `events: {}` stays on that line', () => {
    const text = 'name: x\nevents: {}   # none yet\nyear: 2024\n';
    const added = addEvent(text, 'a', {});
    expect(added).toBe('name: x\nevents:   # none yet\n  a: {}\nyear: 2024\n');
    expect(removeEvent(added, 'a')).toBe(text);
  });

  it('`events:` with no value, and no events key at all', () => {
    expect(addEvent('name: x\nevents:\n', 'a', {})).toBe('name: x\nevents:\n  a: {}\n');
    expect(addEvent('name: x\n', 'a', { funnel: true })).toBe('name: x\nevents:\n  a:\n    funnel: true\n');
    expect(addEvent('name: x', 'a', {})).toBe('name: x\nevents:\n  a: {}\n');
    expect(addEvent('', 'a', {})).toBe('events:\n  a: {}\n');
  });

  it('a file without a final newline round-trips', () => {
    const text = 'name: x\nevents:\n  a:\n    funnel: true';
    const added = addEvent(text, 'b', {});
    expect(added).toBe('name: x\nevents:\n  a:\n    funnel: true\n  b: {}');
    expect(removeEvent(added, 'b')).toBe(text);
  });

  it('CRLF line endings are kept', () => {
    const text = 'name: x\r\nevents:\r\n  a:\r\n    funnel: true\r\n# end\r\n';
    const added = addEvent(text, 'b', { ssh: true });
    expect(added).toBe('name: x\r\nevents:\r\n  a:\r\n    funnel: true\r\n  b:\r\n    ssh: true\r\n# end\r\n');
    expect(removeEvent(added, 'b')).toBe(text);
  });

  it('follows a 4-space indentation', () => {
    const text = 'year: 2026\nevents:\n    a:\n        funnel: true\n';
    const added = addEvent(text, 'b', { funnel: true, tz: 'Europe/Berlin' });
    expect(added).toBe(`${text}    b:\n        funnel: true\n        tz: Europe/Berlin\n`);
    expect(events(added).b).toMatchObject({ funnel: true, tz: 'Europe/Berlin' });
  });

  it('a flow-style events map still works (re-formatted through the yaml Document API)', () => {
    const text = '# keep me\nyear: 2026\nevents: {a: {funnel: true}}\n';
    const added = addEvent(text, 'b', {});
    expect(added).toContain('# keep me');
    expect(Object.keys(events(added))).toEqual(['a', 'b']);
    const removed = removeEvent(added, 'a');
    expect(Object.keys(events(removed))).toEqual(['b']);
    expect(events(addEvent(added, 'a', { funnel: false }, { update: true })).a?.funnel).toBe(false);
  });

  it('refuses events that is not a map', () => {
    expect(() => addEvent('events: [a, b]\n', 'c', {})).toThrow(/"events" must be a map/);
  });
});

describe('ensureFleetId', () => {
  const ID = 'abcdefgh2345';
  const line = (id: string) =>
    `# Fleet identity: copies of this file (a clone, CI) share it and act on its containers; another fleet file never does.\nid: ${id}\n`;

  it('puts the id after name: and changes no other byte', () => {
    const old = commented.replace(/^id: .*\n/m, '');
    const out = ensureFleetId(old, ID);
    expect(out.replace(line(ID), '')).toBe(old);
    expect(out).toContain(`name: id-demo            # containers are id-demo-<event>\n${line(ID)}`);
    expect(parseFleet(out, 'fleet.yaml').fleet.id).toBe(ID);
  });

  it('without name: the id goes first; an empty file gets the line; a flow map through the Document API', () => {
    expect(ensureFleetId('# mine\nyear: 2026\n', ID)).toBe(`${line(ID)}# mine\nyear: 2026\n`);
    expect(ensureFleetId('', ID)).toBe(`id: ${ID}\n`);
    expect(parseFleet(ensureFleetId('{year: 2026}', ID), 'f.yaml').fleet.id).toBe(ID);
  });

  it('a file with an id is left as it is; a new file gets a fresh valid id each time', () => {
    expect(ensureFleetId(commented, ID)).toBe(commented);
    const [a, b] = [parseFleet(initialFleetText(), 'f.yaml').fleet.id, parseFleet(initialFleetText(), 'f.yaml').fleet.id];
    expect(a).toMatch(/^[a-z2-7]{12}$/);
    expect(a).not.toBe(b);
  });

  it('a malformed id is refused at validation with the fix', () => {
    expect(() => parseFleet('id: NOPE\nyear: 2026\n', 'fleet.yaml')).toThrow(
      /fleet\.yaml:1: id: must be 12 characters a-z, 2-7 .*: delete the `id:` line and run `demo-fleet init` for a new identity/,
    );
  });
});
