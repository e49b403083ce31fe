#!/usr/bin/env node
/** The `demo-fleet` executable (bundled to dist/bin/demo-fleet.mjs): signals and closed pipes, then one run on the process's streams. */
import { exitOnSignals, processIo, run } from './main.js';

exitOnSignals();
// A reader that stops early (`demo-fleet status | head -1`) closes the pipe: stop quietly, as other CLIs do,
// instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
process.exitCode = await run(process.argv.slice(2), processIo());
