/**
 * The project holds only what it wrote: no file of the repository is byte-identical to a published
 * upstream file — the data in ../shared/upstream/ (API descriptions, the compose schema) or a file of
 * the docker-mod's and linuxserver base image's trees (their hashes, listed with repository, commit and
 * path in test/fixtures/provenance/upstream-hashes.json).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UPSTREAM_DIR, upstreamData } from '../helpers/upstream.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface KnownFile {
  sha256: string;
  repository: string;
  commit: string;
  path: string;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Files git tracks plus new ones it does not ignore: what a commit would hold. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  return out
    .toString('utf8')
    .split('\0')
    .filter((f) => f !== '')
    .filter((f) => {
      try {
        return statSync(path.join(ROOT, f)).isFile();
      } catch {
        return false; // deleted in the work tree, not yet in the index
      }
    });
}

/** Every file below a directory, recursively, as absolute paths. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Repository files whose hash is in `known`, as "repo path = upstream description" lines. */
function copiesOf(known: Map<string, string>): string[] {
  const found: string[] = [];
  for (const file of repositoryFiles()) {
    const hit = known.get(sha256(path.join(ROOT, file)));
    if (hit !== undefined) found.push(`${file} = ${hit}`);
  }
  return found;
}

const upstream = upstreamData('README.md');

describe('provenance', () => {
  it('no file is a copy of a docker-mod or linuxserver base image file', () => {
    const list = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/provenance/upstream-hashes.json'), 'utf8')) as {
      files: KnownFile[];
    };
    expect(list.files.length).toBeGreaterThan(40);
    const known = new Map(list.files.map((f) => [f.sha256, `${f.repository}@${f.commit.slice(0, 7)} ${f.path}`]));
    expect(copiesOf(known)).toEqual([]);
  });

  it.skipIf(!upstream.ok)('no file is a copy of a file in ../shared/upstream/', () => {
    const files = filesBelow(UPSTREAM_DIR).filter((f) => path.basename(f) !== 'README.md');
    expect(files.length).toBeGreaterThan(0);
    const known = new Map(files.map((f) => [sha256(f), path.relative(UPSTREAM_DIR, f)]));
    expect(copiesOf(known)).toEqual([]);
  });

  it('the check finds a copy: a file carrying an upstream hash is reported', () => {
    // The detector itself, on a file of the repository that is certainly present: its own hash listed as upstream.
    const self = 'test/unit/provenance.test.ts';
    const known = new Map([[sha256(path.join(ROOT, self)), 'planted']]);
    expect(copiesOf(known)).toEqual([`${self} = planted`]);
  });
});
