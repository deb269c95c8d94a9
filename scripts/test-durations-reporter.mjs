// A node:test reporter that writes one JSON line per top-level test (its file and time), as the
// run goes: run-tests.mjs sums them per file and prints the slowest files.
export default async function* durations(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, nesting, details } = event.data;
    if (!file || nesting !== 0) continue;
    yield `${JSON.stringify({ file, ms: details?.duration_ms ?? 0 })}\n`;
  }
}
