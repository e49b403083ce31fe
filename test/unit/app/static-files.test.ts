import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStaticFiles, resolveStaticDir } from '../../../app/static-files.js';

const root = mkdtempSync(join(tmpdir(), 'app-static-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveStaticDir', () => {
  it('prefers an explicit STATIC_DIR', () => {
    expect(resolveStaticDir('/srv/x', '/whatever/server.cjs')).toBe('/srv/x');
  });

  it('finds static/ next to the bundle (dist/image/server.cjs)', () => {
    mkdirSync(join(root, 'dist/image/static'), { recursive: true });
    writeFileSync(join(root, 'dist/image/server.cjs'), '');
    expect(resolveStaticDir(undefined, join(root, 'dist/image/server.cjs'))).toBe(join(root, 'dist/image/static'));
  });

  it('finds app/static from the tsc output (dist/app/server.js)', () => {
    mkdirSync(join(root, 'dist/app'), { recursive: true });
    mkdirSync(join(root, 'app/static'), { recursive: true });
    writeFileSync(join(root, 'dist/app/server.js'), '');
    expect(resolveStaticDir(undefined, join(root, 'dist/app/server.js'))).toBe(join(root, 'app/static'));
  });

  it('gives undefined when nothing exists', () => {
    expect(resolveStaticDir(undefined, join(root, 'nowhere/deep/er/server.js'))).toBeUndefined();
    expect(resolveStaticDir(undefined, undefined)).toBeUndefined();
  });
});

describe('loadStaticFiles', () => {
  it('loads known file types into memory, skipping others and directories', () => {
    const dir = join(root, 'files');
    mkdirSync(join(dir, 'sub.png'), { recursive: true });
    writeFileSync(join(dir, 'a.png'), 'PNG');
    writeFileSync(join(dir, 'b.exe'), 'no');
    const files = loadStaticFiles(dir);
    expect([...files.keys()]).toEqual(['a.png']);
    expect(files.get('a.png')).toEqual({ body: Buffer.from('PNG'), contentType: 'image/png' });
  });

  it('is empty for a missing dir', () => {
    expect(loadStaticFiles(join(root, 'missing')).size).toBe(0);
    expect(loadStaticFiles(undefined).size).toBe(0);
  });
});
