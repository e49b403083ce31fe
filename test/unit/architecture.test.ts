/**
 * The layering the README's layout promises, read from the imports: commands → engine → render → fleet
 * with no edge back, core never printing, and app/ standing alone (it is the image's payload).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** Every module a file imports (static and dynamic), as repo-relative paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), s)));
}

const LAYER = ['cli/commands', 'cli/engine', 'cli/tailnet', 'cli/render', 'cli/fleet'];
const layerOf = (f: string) => LAYER.findIndex((l) => f.startsWith(`${l}/`));

describe('architecture', () => {
  it('no import points up the pipeline (fleet/ never imports render/ or engine/, render/ never engine/)', () => {
    const upward: string[] = [];
    for (const file of sources('cli')) {
      const from = layerOf(file);
      if (from < 0) continue;
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to >= 0 && to < from) upward.push(`${file} → ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('app/ imports nothing from cli/', () => {
    const found = sources('app').flatMap((f) =>
      importsOf(f)
        .filter((t) => t.startsWith('cli/'))
        .map((t) => `${f} → ${t}`),
    );
    expect(found).toEqual([]);
  });

  it('core modules never print or exit: only cli/ui, cli/main.ts and the commands do', () => {
    const printing = sources('cli')
      .filter((f) => !f.startsWith('cli/ui/') && !f.startsWith('cli/commands/') && f !== 'cli/main.ts')
      .filter((f) =>
        /console\.(log|error|warn)|process\.exit\(|process\.(stdout|stderr)\.write/.test(readFileSync(path.join(ROOT, f), 'utf8')),
      );
    expect(printing).toEqual([]);
  });

  it('the layering check sees real imports (a canary: engine/up.ts imports render/ and fleet/)', () => {
    const targets = importsOf('cli/engine/up.ts');
    expect(targets).toContain('cli/render/render.js');
    expect(targets).toContain('cli/fleet/file.js');
  });
});
