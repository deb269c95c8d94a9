import { writeFileSync } from 'node:fs';
import { migrateConfig } from './migrate-config.js';

/** `labhub migrate-config FILE [-o OUT]` */
export async function runMigrateConfig(file: string, opts: { output?: string }): Promise<void> {
  const yaml = migrateConfig(file);
  if (opts.output) {
    writeFileSync(opts.output, yaml, { flag: 'wx' });
    process.stdout.write(
      `Wrote ${opts.output}. Review the comments, then start labhub with --config ${opts.output}\n`,
    );
  } else process.stdout.write(yaml);
}
