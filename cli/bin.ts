#!/usr/bin/env node
/** The `demo-fleet` executable (bundled to dist/bin/demo-fleet.mjs): signals and closed pipes, then one run on the process's streams. */
import { exitOnSignals, processIo, quietOnClosedPipe, run } from './main.js';

exitOnSignals();
quietOnClosedPipe();
process.exitCode = await run(process.argv.slice(2), processIo());
