// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per package/module.
// Code inside the esbuild bundle (dist/image/server.cjs) is attributed to the module it came from,
// using the `// node_modules/<pkg>/...` and `// app/...` comments esbuild writes above each module.
//
//   node bench/app/profile-summary.mjs PROFILE.cpuprofile [dist/image/server.cjs]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** [startLine (0-based), module] sorted by line, from the bundle's module comments. */
function bundleModules(bundlePath) {
  const ranges = [];
  readFileSync(bundlePath, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /^\/\/ ((?:node_modules|app)\/\S+)$/.exec(line);
      if (m) ranges.push([i, m[1]]);
    });
  return ranges;
}

function packageOf(file) {
  if (file.startsWith('app/')) return `app/${path.basename(file)}`;
  const parts = file.split('node_modules/').pop().split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

export function summarizeProfile(profilePath, bundlePath) {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
  const ranges = bundlePath ? bundleModules(bundlePath) : [];
  const bundleName = bundlePath ? path.basename(bundlePath) : null;
  const moduleOfLine = (line) => {
    let lo = 0;
    let hi = ranges.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid][0] <= line) {
        found = ranges[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const moduleOf = ({ url, functionName, lineNumber }) => {
    if (!url) return functionName.startsWith('(') ? functionName : '(native/V8 builtins)';
    if (url.startsWith('node:'))
      return `node:${url
        .slice(5)
        .replace(/^internal\//, 'internal/')
        .split('/')
        .slice(0, 2)
        .join('/')}`;
    if (bundleName && url.endsWith(bundleName)) {
      const file = moduleOfLine(lineNumber);
      return file ? packageOf(file) : `${bundleName} (runtime)`;
    }
    if (url.includes('node_modules/')) return packageOf(url);
    const m = /\/dist\/app\/([^/]+)\.js$/.exec(url);
    if (m) return `app/${m[1]}.ts`;
    return path.basename(url);
  };

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample's time is the gap until the next sample.
    const dt = deltas[i + 1] ?? 0;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const fnTotals = new Map();
  const modTotals = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id).callFrame;
    total += us;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const mod = moduleOf(cf);
    const name = cf.functionName || '(anonymous)';
    const key = `${name}\0${mod}\0${cf.url}:${cf.lineNumber}`;
    const f = fnTotals.get(key) ?? { name: cf.url ? `${name} :${cf.lineNumber + 1}` : name, module: mod, us: 0 };
    f.us += us;
    fnTotals.set(key, f);
    modTotals.set(mod, (modTotals.get(mod) ?? 0) + us);
  }
  const busy = total - idle;
  const byFunction = [...fnTotals.values()]
    .sort((a, b) => b.us - a.us)
    .map((f) => ({ name: f.name, module: f.module, ms: f.us / 1000, share: f.us / busy }));
  const byModule = [...modTotals.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
  return { totalMs: total / 1000, busyMs: busy / 1000, busyShare: busy / total, byFunction, byModule };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [profile, bundle] = process.argv.slice(2);
  if (!profile) {
    console.error('usage: node bench/app/profile-summary.mjs PROFILE.cpuprofile [dist/image/server.cjs]');
    process.exit(2);
  }
  const s = summarizeProfile(profile, bundle);
  console.log(`${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.busyShare * 100).toFixed(0)}% busy`);
  for (const m of s.byModule.slice(0, 20))
    console.log(`${(m.share * 100).toFixed(1).padStart(5)}%  ${m.ms.toFixed(0).padStart(6)} ms  ${m.name}`);
  console.log('');
  for (const f of s.byFunction.slice(0, 30))
    console.log(`${(f.share * 100).toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}  [${f.module}]`);
}
