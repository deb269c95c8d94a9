import { runChecks, formatReport } from './doctor-checks.js';
import type { StartFlags } from './common.js';

/** `labhub doctor`: run every check and print what is wrong and how to fix it. Exit 1 on errors. */
export async function runDoctor(opts: StartFlags): Promise<void> {
  const results = await runChecks(opts);
  process.stdout.write(formatReport(results));
  if (results.some((r) => r.status === 'error')) process.exitCode = 1;
}
