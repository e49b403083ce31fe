/**
 * The layering the README's layout promises, read from the imports: commands → deploy → converge →
 * targets → tailnet → render → fleet with no edge back; Docker spoken only under targets/docker/ (reached
 * through the one factory, targets/open.ts); core never printing; app/ standing alone (the image's payload).
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

/** Every package a file imports (static and dynamic, `import type` included). */
function packagesOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from\s+|import\()\s*'([^.'][^']*)'/g)].map((m) => m[1]!);
}

const DOCKER = 'cli/targets/docker/';
/** The Swarm target speaks the engine API too (a manager is a Docker engine) and builds on the Docker target's client, images, lock and audit log. */
const SWARM = 'cli/targets/swarm/';
/** The one module outside targets/docker/ that may name it: the factory that picks the target. */
const FACTORY = 'cli/targets/open.ts';

const LAYER = ['cli/commands', 'cli/doctor', 'cli/deploy', 'cli/converge', 'cli/targets', 'cli/tailnet', 'cli/render', 'cli/fleet'];
const layerOf = (f: string) => LAYER.findIndex((l) => f.startsWith(`${l}/`));

describe('architecture', () => {
  it('no import points up the pipeline (e.g. converge/ never imports deploy/, targets/ never converge/)', () => {
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

  it('Docker is spoken only under targets/docker/ and targets/swarm/: nothing else imports them or dockerode (but the factory)', () => {
    const leaks = sources('cli')
      .filter((f) => !f.startsWith(DOCKER) && !f.startsWith(SWARM) && f !== FACTORY)
      .flatMap((f) => [
        ...importsOf(f)
          .filter((t) => t.startsWith(DOCKER) || t.startsWith(SWARM))
          .map((t) => `${f} → ${t}`),
        ...packagesOf(f)
          .filter((p) => p === 'dockerode' || p.startsWith('docker-modem'))
          .map((p) => `${f} → ${p}`),
      ]);
    expect(leaks).toEqual([]);
  });

  it('the Docker target never reaches into the Swarm target (the Swarm target lives in its folder)', () => {
    const found = sources(DOCKER).flatMap((f) =>
      importsOf(f)
        .filter((t) => t.startsWith(SWARM))
        .map((t) => `${f} → ${t}`),
    );
    expect(found).toEqual([]);
  });

  it('the Docker check sees real imports (a canary: the factory imports both targets)', () => {
    expect(importsOf(FACTORY).some((t) => t.startsWith(DOCKER))).toBe(true);
    expect(importsOf(FACTORY).some((t) => t.startsWith(SWARM))).toBe(true);
    expect(packagesOf(`${DOCKER}client.ts`)).toContain('dockerode');
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

  it('the layering check sees real imports (a canary: deploy/deployment.ts imports render/ and fleet/)', () => {
    const targets = importsOf('cli/deploy/deployment.ts');
    expect(targets).toContain('cli/render/render.js');
    expect(targets).toContain('cli/fleet/file.js');
  });
});
