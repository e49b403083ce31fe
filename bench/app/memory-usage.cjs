// Preloaded by bench/app/run.mjs --memory (node -r): on SIGUSR2, one JSON line of process.memoryUsage()
// and the committed size of V8's new space, appended to $BENCH_APP_MEMORY_OUT. Not part of the app.
const { appendFileSync } = require('node:fs');
const v8 = require('node:v8');

process.on('SIGUSR2', () => {
  const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  appendFileSync(
    process.env.BENCH_APP_MEMORY_OUT,
    `${JSON.stringify({ ...process.memoryUsage(), newSpace: newSpace?.space_size ?? 0 })}\n`,
  );
});
