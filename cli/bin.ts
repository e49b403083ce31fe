#!/usr/bin/env node
/** The `demo-fleet` executable (bundled to dist/bin/demo-fleet.mjs): signals, then one run on the process's streams. */
import { exitOnSignals, processIo, run } from './main.js';

exitOnSignals();
process.exitCode = await run(process.argv.slice(2), processIo());
