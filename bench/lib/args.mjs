// Command-line options of the bench scripts, on node:util parseArgs. `spec` maps an option name to
// { kind: 'int' | 'path' | 'string' | 'flag', default }: ints must be positive, paths are made absolute,
// strings are taken as given.
import path from 'node:path';
import { parseArgs } from 'node:util';

export function benchArgs(argv, spec, help) {
  const options = { help: { type: 'boolean', short: 'h' } };
  for (const [name, { kind }] of Object.entries(spec)) options[name] = { type: kind === 'flag' ? 'boolean' : 'string' };
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new Error(`${err.message} (see --help)`);
  }
  if (values.help) {
    process.stdout.write(help.endsWith('\n') ? help : `${help}\n`);
    process.exit(0);
  }
  const out = {};
  for (const [name, { kind, default: fallback }] of Object.entries(spec)) {
    const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const v = values[name];
    if (v === undefined) out[key] = fallback;
    else if (kind === 'flag') out[key] = v;
    else if (kind === 'path') out[key] = path.resolve(v);
    else if (kind === 'string') out[key] = v;
    else {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a positive integer, got ${v}`);
      out[key] = n;
    }
  }
  return out;
}
