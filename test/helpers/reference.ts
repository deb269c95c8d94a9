/**
 * Files of the project's shared reference folder, which lives beside the repository
 * (`../shared/reference/`) and is not copied into it. A CI checkout elsewhere sets
 * LABHUB_OPENAPI, or has the folder beside it too.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './test-hub.js';

/** Where JupyterHub's OpenAPI file was looked for, in order. */
export const OPENAPI_CANDIDATES = [
  process.env.LABHUB_OPENAPI,
  join(ROOT, '../shared/reference/jupyterhub-rest-api.yml'),
  '/work/shared/reference/jupyterhub-rest-api.yml',
].filter((p): p is string => !!p);

/** JupyterHub's OpenAPI file (jupyterhub-rest-api.yml), or null when none of the places has it. */
export function openApiSpec(): string | null {
  return OPENAPI_CANDIDATES.find((p) => existsSync(p)) ?? null;
}
