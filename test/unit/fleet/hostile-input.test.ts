/**
 * Fleet files that plain objects or naive writes get wrong: an alias bomb, an event named `__proto__`,
 * a symlinked fleet file. Each bad one is exit 2 with one line and the file untouched; the link stays.
 */
import { lstat, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFleet } from '../../../cli/fleet/file.js';
import { runCli, show, tempDir, runInProcess } from '../../helpers/cli.js';

const BOMB = `year: 2026
a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
events: {}
`;

describe('hostile fleet files', () => {
  it('an alias bomb is bad input (exit 2, one line naming the file), not a crash', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(path.join(dir, 'fleet.yaml'), BOMB);
      for (const args of [['list'], ['render'], ['up', '--dry-run']]) {
        const r = await runInProcess(args, { cwd: dir });
        expect(r.code, show(r)).toBe(2);
        expect(r.stderr).toMatch(
          /^(==> validate fleet\n)?error: fleet\.yaml: the YAML expands too many aliases .*: write the values out instead of nesting aliases\n$/,
        );
      }
      expect(await readFile(path.join(dir, 'fleet.yaml'), 'utf8')).toBe(BOMB);
    } finally {
      await cleanup();
    }
  });

  it('an event named __proto__ is refused, not silently dropped', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const text = 'year: 2026\nevents:\n  cleveland: {}\n  __proto__: {funnel: true}\n';
      await writeFile(path.join(dir, 'fleet.yaml'), text);
      const r = await runInProcess(['list'], { cwd: dir });
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toBe(
        'error: fleet.yaml:4: events.__proto__: event name "__proto__" must be a DNS label (lowercase letters, digits and "-", at most 63)\n',
      );
      expect(await readFile(path.join(dir, 'fleet.yaml'), 'utf8')).toBe(text);
    } finally {
      await cleanup();
    }
  });

  it('add on a symlinked fleet file edits the file it points to; the link stays a link', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const real = path.join(dir, 'shared-fleet.yaml');
      expect((await runInProcess(['init', '--file', real])).code).toBe(0);
      await symlink('shared-fleet.yaml', path.join(dir, 'fleet.yaml'));
      const r = await runInProcess(['add', 'cleveland'], { cwd: dir });
      expect(r.code, show(r)).toBe(0);
      expect((await lstat(path.join(dir, 'fleet.yaml'))).isSymbolicLink()).toBe(true);
      expect(await readlink(path.join(dir, 'fleet.yaml'))).toBe('shared-fleet.yaml');
      expect(await readFile(real, 'utf8')).toMatch(/^ {2}cleveland:/m);
    } finally {
      await cleanup();
    }
  });

  it('appdata with ":", a line break or ".." is refused; a relative appdata against a remote engine is refused', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      for (const appdata of ['/srv/a:b', '../elsewhere', '/srv/../etc']) {
        const text = `year: 2026\nappdata: ${JSON.stringify(appdata)}\nevents:\n  cleveland: {}\n`;
        await writeFile(path.join(dir, 'fleet.yaml'), text);
        const r = await runInProcess(['render'], { cwd: dir });
        expect(r.code, show(r)).toBe(2);
        expect(r.stderr).toMatch(/^error: fleet\.yaml:2: appdata: must be a plain directory path: no ":", no line breaks, no "\.\."/);
      }
      await writeFile(path.join(dir, 'fleet.yaml'), 'id: hostilehosti\nyear: 2026\nappdata: ./appdata\nevents:\n  cleveland: {}\n');
      // validation comes before connecting: nothing listens at that address, and nothing needs to
      const r = await runCli(['up'], { cwd: dir, env: { DOCKER_HOST: 'ssh://nobody@127.0.0.1:1' } });
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toMatch(
        /error: \S*fleet\.yaml: appdata: "\.\/appdata" is relative, but the engine is ssh:\/\/nobody@127\.0\.0\.1:1: state dirs live on that host, so give an absolute path there/,
      );
    } finally {
      await cleanup();
    }
  });

  it('appdata at / or in a system directory is refused (exit 2, one line, nothing rendered); a directory of its own is fine', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const refused: Array<[string, RegExp]> = [
        ['/', /"\/" is the root directory: the state dirs \(<appdata>\/<year>\/<event>\) would be made directly in it/],
        ['//', /"\/\/" is the root directory/],
        ['/etc', /"\/etc" is in \/etc, a system directory/],
        ['/etc/demo-fleet/', /"\/etc\/demo-fleet\/" is in \/etc, a system directory/],
        ['/usr/local/demo', /"[^"]*" is in \/usr, a system directory/],
        ['/var/run/demo', /"[^"]*" is in \/var\/run, a system directory/],
        ['/proc/1', /"[^"]*" is in \/proc, a system directory/],
        ['/lib64', /"[^"]*" is in \/lib64, a system directory/],
        ['/var', /"\/var" is a shared directory: the state dirs \(<appdata>\/<year>\/<event>\) would be made directly in it/],
        ['/home/', /"\/home\/" is a shared directory/],
        ['/root', /"\/root" is a shared directory/],
      ];
      for (const [appdata, says] of refused) {
        const text = `year: 2026\nappdata: ${JSON.stringify(appdata)}\nevents:\n  cleveland: {}\n`;
        await writeFile(path.join(dir, 'fleet.yaml'), text);
        const r = await runInProcess(['render'], { cwd: dir });
        expect(r.code, show(r)).toBe(2);
        expect(r.stderr).toMatch(
          new RegExp(
            `^error: fleet\\.yaml:2: appdata: ${says.source}.*: give the fleet a directory of its own, e\\.g\\. /srv/demo-fleet or /var/lib/demo-fleet\\n$`,
          ),
        );
        expect(await readdir(dir)).toEqual(['fleet.yaml']);
      }
      for (const appdata of [
        '/var/lib/demo-fleet',
        '/srv/demo',
        '/opt/demo-fleet/appdata',
        '/home/alice/appdata',
        '/root/appdata',
        './appdata',
        'data',
      ]) {
        expect(() => parseFleet(`year: 2026\nappdata: ${JSON.stringify(appdata)}\n`, path.resolve('f.yaml')), appdata).not.toThrow();
      }
    } finally {
      await cleanup();
    }
  });

  it('an inviteLink with a line break is refused naming file, line and field (the URL parser used to drop the break)', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const text = 'year: 2026\nevents:\n  cleveland:\n    inviteLink: "https://login.tailscale.com/admin/invite/ab\\ncd"\n';
      await writeFile(path.join(dir, 'fleet.yaml'), text);
      for (const args of [['list'], ['render']]) {
        const r = await runInProcess(args, { cwd: dir });
        expect(r.code, show(r)).toBe(2);
        expect(r.stderr).toBe(
          'error: fleet.yaml:4: events.cleveland.inviteLink: contains a control character (U+000A, a line break): remove it (the value is passed on as one line of text)\n',
        );
      }
      expect(await readFile(path.join(dir, 'fleet.yaml'), 'utf8')).toBe(text);
    } finally {
      await cleanup();
    }
  });

  describe('control characters in any text field: file:line: field: the character', () => {
    // [the field's YAML (on line 2 unless it says), the dotted field, another line the fleet needs]
    const cases: Array<[string, string, string?]> = [
      ['loginServer: "https://hs.example.com/\\t"', 'loginServer'],
      ['baseImage: "ghcr.io/x/base:1\\u0000"', 'baseImage'],
      ['dockerMods: ["ghcr.io/tailscale-dev/docker-mod:main\\r"]', 'dockerMods.0'],
      ['appdata: "/srv/demo\\u001b[31m"', 'appdata'],
      ['tz: "Europe/Berlin\\u0085"', 'tz'],
      ['keys: {apiToken: {env: T}, tailnet: "example.com\\u2028"}', 'keys.tailnet'],
      ['keys: {apiToken: {env: T}, apiUrl: "https://api.example.com/\\u007f"}', 'keys.apiUrl'],
      ['keys: {oauthClient: {id: "k1\\n", secret: {env: S}}, tags: [tag:demo]}', 'keys.oauthClient.id'],
      ['keys: {apiToken: {file: "token\\nfile"}}', 'keys.apiToken.file'],
      ['keys: {apiKey: {env: H}, user: "demo\\u0000"}', 'keys.user', 'loginServer: https://hs.example.com'],
      ['events: {cleveland: {authKey: {file: "keys/c\\u0007"}}}', 'events.cleveland.authKey.file'],
      ['events: {cleveland: {tz: "Asia/Tokyo\\n"}}', 'events.cleveland.tz'],
    ];
    for (const [line, field, extra] of cases) {
      it(field, () => {
        const text = `year: 2026\n${line}\n${extra ?? ''}\n`;
        let message = '';
        try {
          parseFleet(text, path.resolve('f.yaml'));
        } catch (err) {
          message = (err as Error).message;
        }
        expect(message).toMatch(
          new RegExp(`^f\\.yaml:2: ${field.replace(/\./g, '\\.')}: contains a control character \\(U\\+[0-9A-F]{4}[^)]*\\): remove it`),
        );
        expect(message, 'one line').not.toContain('\n');
      });
    }
    it('the same fields without the character are fine (the cases above fail for the character only)', () => {
      for (const [line, , extra] of cases) {
        const clean = line.replace(/\\(n|r|t|u[0-9a-f]{4})/g, '');
        const text = `year: 2026\n${clean}\n${extra ?? ''}\n`;
        expect(() => parseFleet(text, path.resolve('f.yaml')), clean).not.toThrow();
      }
    });
  });
});
