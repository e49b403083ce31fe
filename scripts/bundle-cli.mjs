// Bundles the CLI (cli/main.ts) into dist/bin/: `demo-fleet.mjs` (commander and the command
// definitions) plus one chunk per group of modules a command loads in its action (`await import(...)`),
// so `--help` loads no yaml/zod/dockerode and `up` loads no fleet-editing code. One file per chunk
// instead of ~340 CommonJS/ESM files from node_modules: module resolution was half of a no-op `up`
// (bench/up). Dependencies stay installed in node_modules; a few are still loaded from there at run
// time, on first use only (LAZY below).
import { build } from 'esbuild';
import { rm, writeFile } from 'node:fs/promises';

const OUT_DIR = 'dist/bin';

// dockerode and docker-modem `require` these at load time (buildkit.js on a BuildKit build), but
// demo-fleet only needs them for BuildKit sessions/builds (never: builds use the classic builder) and
// for DOCKER_HOST=ssh://. Each is replaced in the bundle by a stand-in that loads the real module from
// node_modules on first use, so @grpc/grpc-js, protobufjs and ssh2 (~150 files) are not read on every
// run, and buildkit.js still finds its .proto files next to itself.
const LAZY = [
  { file: /[\\/]node_modules[\\/]dockerode[\\/]lib[\\/]session\.js$/, from: 'dockerode', request: './lib/session.js', exports: 'function' },
  { file: /[\\/]node_modules[\\/]dockerode[\\/]lib[\\/]buildkit\.js$/, from: 'dockerode', request: './lib/buildkit.js', exports: 'object' },
  { file: /[\\/]node_modules[\\/]docker-modem[\\/]lib[\\/]ssh\.js$/, from: 'docker-modem', request: './lib/ssh.js', exports: 'function' },
];

const lazyPlugin = {
  name: 'lazy-require',
  setup(b) {
    for (const { file, from, request, exports } of LAZY) {
      // Resolved from dockerode's own location (docker-modem is its dependency, not ours).
      const load = `
        const { createRequire } = require('node:module');
        let real;
        function load() {
          if (!real) {
            const fromDockerode = createRequire(require.resolve('dockerode/package.json'));
            real = createRequire(fromDockerode.resolve('${from}/package.json'))('${request}');
          }
          return real;
        }`;
      const stand_in =
        exports === 'function'
          ? 'module.exports = function () { return load().apply(this, arguments); };'
          : 'module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });';
      b.onLoad({ filter: file }, () => ({ loader: 'js', contents: `${load}\n${stand_in}` }));
    }
  },
};

// CommonJS code inside an ESM bundle still calls require() for node built-ins and the lazy modules.
const banner =
  "import { createRequire as __demoFleetCreateRequire } from 'node:module';\n" +
  'const require = __demoFleetCreateRequire(import.meta.url);';

await rm(OUT_DIR, { recursive: true, force: true });
const result = await build({
  entryPoints: { 'demo-fleet': 'cli/main.ts' },
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
// Which module went into which file: test/unit/cli-bundle.test.ts checks the entry stays light.
await writeFile(`${OUT_DIR}/meta.json`, JSON.stringify(result.metafile));
