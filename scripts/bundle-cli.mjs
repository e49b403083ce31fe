// Bundles the CLI (cli/bin.ts, which runs cli/main.ts) into dist/bin/: `demo-fleet.mjs` (commander and the command
// definitions) plus one chunk per group of modules a command loads in its action (`await import(...)`),
// so `--help` loads no yaml/zod/dockerode and `up` loads no fleet-editing code. One file per chunk
// instead of ~340 CommonJS/ESM files from node_modules: module resolution was half of a no-op `up`
// (bench/up). What the bundle inlines is a devDependency; what it leaves out (LAZY) is a dependency.
import { build } from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';

const OUT_DIR = 'dist/bin';
/** Which module went into which output (not shipped): test/unit/cli-bundle.test.ts and bench/up read it. */
export const META_FILE = 'dist/meta/cli-bundle.json';

// Packages the bundle leaves out, matched by package name (a public specifier, never a file path
// inside another package), each replaced by a stand-in that loads it on first use.
// - ssh2 (docker-modem's transport for DOCKER_HOST=ssh://, ~100 files, an optional native addon):
//   loaded from node_modules when an ssh:// engine is dialled; a dependency of demo-fleet.
// - gRPC and protobufjs (dockerode's BuildKit session support, ~150 files): demo-fleet builds with the
//   classic builder and never opens a BuildKit session, so they are not shipped; their stand-in throws
//   if anything ever calls into them.
const LAZY = ['ssh2'];
const NOT_SHIPPED = ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'];

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const names = (list) => new RegExp(`^(${list.map(escapeRe).join('|')})$`);

// A module whose members are looked up on first use: `require('ssh2').Client` at load time gives a
// stand-in that calls, constructs or reads the real `Client` only when used.
const lazyModule = (name) => `
let real;
const load = () => (real ??= require(${JSON.stringify(name)}));
const member = (key) =>
  new Proxy(function () {}, {
    apply: (_, self, args) => Reflect.apply(load()[key], self, args),
    construct: (_, args) => Reflect.construct(load()[key], args),
    get: (_, k) => load()[key][k],
  });
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : member(key)), has: (_, key) => key in load() });
`;

const notShippedModule = (name) => `
const fail = () => {
  throw new Error(${JSON.stringify(`${name} is not shipped with demo-fleet (dockerode needs it only for BuildKit sessions; demo-fleet builds with the classic builder)`)});
};
const stand_in = new Proxy(fail, { apply: fail, construct: fail, get: (_, key) => (key === '__esModule' ? false : stand_in) });
module.exports = stand_in;
`;

const lazyPlugin = {
  name: 'lazy-packages',
  setup(b) {
    b.onResolve({ filter: names(LAZY) }, (args) =>
      // The stand-in's own require() of the package stays a real require at run time.
      args.namespace === 'lazy' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({ loader: 'js', contents: lazyModule(args.path) }));
    b.onResolve({ filter: names(NOT_SHIPPED) }, (args) => ({ path: args.path, namespace: 'not-shipped' }));
    b.onLoad({ filter: /.*/, namespace: 'not-shipped' }, (args) => ({ loader: 'js', contents: notShippedModule(args.path) }));
  },
};

// CommonJS code inside an ESM bundle still calls require() for node built-ins and the lazy packages.
const banner =
  "import { createRequire as __demoFleetCreateRequire } from 'node:module';\n" +
  'const require = __demoFleetCreateRequire(import.meta.url);';

await rm(OUT_DIR, { recursive: true, force: true });
const result = await build({
  entryPoints: { 'demo-fleet': 'cli/bin.ts' },
  outdir: OUT_DIR,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: banner },
  plugins: [lazyPlugin],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await mkdir('dist/meta', { recursive: true });
await writeFile(META_FILE, JSON.stringify(result.metafile));
