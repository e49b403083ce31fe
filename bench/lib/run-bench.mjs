// What every bench script does around its measurements: read its options, remove what a run made on
// SIGINT/SIGTERM and at the end (pass or fail), report cleanup problems; exit 2 on bad options, 1 when
// the bench itself could not run, else 0 (a MISS is a result, not a failure).

/** A cleanup in parts: each part may fail on its own, its first error line is collected. */
export function cleanupAttempts() {
  const problems = [];
  const attempt = (what, fn) => {
    try {
      fn();
    } catch (e) {
      problems.push(
        `${what}: ${
          String(e.stderr || e.message)
            .trim()
            .split('\n')[0]
        }`,
      );
    }
  };
  return { problems, attempt };
}

/**
 * Run `main(opts)` with `cleanup()` (returns its problems) after it, on a signal, or alone with
 * `--cleanup-only` (opts.cleanupOnly). `parse(argv)` throws on bad options.
 */
export async function runBench({ name, parse, main, cleanup, log }) {
  let opts;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench/${name}: ${e.message}\n`);
    process.exit(2);
  }
  if (opts.cleanupOnly) {
    const problems = cleanup();
    for (const p of problems) log(`cleanup: ${p}`);
    process.exit(problems.length ? 1 : 0);
  }
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      log(`${sig}: cleaning up`);
      cleanup();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  let code = 0;
  try {
    await main(opts);
  } catch (e) {
    log(`FAILED: ${e.stack || e.message}`);
    code = 1;
  } finally {
    log('cleanup: containers, networks, images and temp dirs of the run');
    const problems = cleanup();
    for (const p of problems) log(`cleanup: ${p}`);
  }
  process.exit(code);
}
