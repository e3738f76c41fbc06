/**
 * Rewrites the configuration table of lib/README.md from the key definitions in
 * lib/config/keys.ts: `npm run docs:config` (run from the project root).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { README_PATH, withConfigurationTable } from '../lib/config/docs-table.js';

const readme = readFileSync(README_PATH, 'utf8');
const updated = withConfigurationTable(readme);
writeFileSync(README_PATH, updated);
console.log(`${README_PATH}: configuration table ${updated === readme ? 'already up to date' : 'rewritten'}`);
