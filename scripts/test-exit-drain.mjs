// Preloaded into every test file's process by scripts/run-tests.mjs. With --test-force-exit,
// Node's test runner calls process.exit() as soon as the last test ends, before its report stream
// has reached the parent: the parent then counts fewer tests than ran, and a failing test's name
// and error can be lost (nodejs/node#64833; seen here as 8 tests missing from a run's total).
// This lets the event loop turn a few times, until stdout is drained, before the exit.
if (process.env.NODE_TEST_CONTEXT) {
  const exit = process.exit.bind(process);
  process.exit = (code) => {
    if (code !== undefined) process.exitCode = code;
    let ticks = 0;
    const later = () => {
      ticks++;
      if (ticks < 1000 && (ticks < 5 || process.stdout.writableLength)) setImmediate(later);
      else exit();
    };
    setImmediate(later);
  };
}
