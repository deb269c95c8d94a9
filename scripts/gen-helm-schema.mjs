#!/usr/bin/env node
// Writes deploy/helm/labhub/values.schema.json from the chart's values.yaml, so that helm refuses
// any value the chart does not know (a Zero to JupyterHub key it does not support, or a typo)
// instead of ignoring it. Maps whose default is a non-empty map accept only their known keys;
// maps whose default is empty ({}) and the free-form ones below take any key.
// test/kubernetes/helm-chart.test.ts checks that the committed file is up to date.
// Usage: node scripts/gen-helm-schema.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const chart = fileURLToPath(new URL('../deploy/helm/labhub/', import.meta.url));
const FREE_FORM = new Set([
  'hub.config',
  'hub.resources',
  'proxy.chp.resources',
  'hub.podSecurityContext',
  'hub.containerSecurityContext',
  'proxy.chp.containerSecurityContext',
  'singleuser.extraLabels',
]);

function schemaFor(value, path) {
  const isMap = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (!isMap || Object.keys(value).length === 0 || FREE_FORM.has(path)) return {};
  const properties = {};
  for (const [k, v] of Object.entries(value))
    properties[k] = schemaFor(v, path ? `${path}.${k}` : k);
  return { type: 'object', additionalProperties: false, properties };
}

export function helmSchema() {
  const values = parse(readFileSync(`${chart}values.yaml`, 'utf8'));
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'labhub chart values (generated from values.yaml by scripts/gen-helm-schema.mjs)',
    ...schemaFor(values, ''),
  };
  schema.properties.global = {};
  return JSON.stringify(schema, null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = `${chart}values.schema.json`;
  if (process.argv.includes('--check')) {
    if (readFileSync(file, 'utf8') !== helmSchema()) {
      console.error(`${file} is out of date: run node scripts/gen-helm-schema.mjs`);
      process.exit(1);
    }
  } else writeFileSync(file, helmSchema());
}
