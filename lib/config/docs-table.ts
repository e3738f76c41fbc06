import { CONFIG_KEY_DEFINITIONS, type KeyDefinition } from './keys.js';

/**
 * The configuration table of lib/README.md, rendered from the key definitions so the
 * documentation cannot drift from the code. `npm run docs:config` writes it between the
 * markers; a test fails when the README holds another table.
 */

export const README_PATH = 'lib/README.md';
export const TABLE_START = '<!-- configuration-table: generated from lib/config/keys.ts by `npm run docs:config` -->';
export const TABLE_END = '<!-- /configuration-table -->';

/** The Markdown table: key, default, what it accepts, what it sets. */
export function configurationTable(): string {
  const rows = Object.entries(CONFIG_KEY_DEFINITIONS).map(
    ([key, definition]) => `| \`${key}\` | ${defaultCell(definition)} | ${definition.accepts} | ${definition.description} |`,
  );
  return ['| Key | Default | Accepts | What it sets |', '|---|---|---|---|', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by the current table. */
export function withConfigurationTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`${README_PATH} has no ${TABLE_START} … ${TABLE_END} section for the configuration table`);
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${configurationTable()}\n\n${readme.slice(end)}`;
}

/** The default as code (`10`, `[]`), or "unset" for a key without one, followed by its note. */
function defaultCell(definition: KeyDefinition): string {
  const value =
    definition.default === undefined
      ? 'unset'
      : `\`${typeof definition.default === 'string' ? definition.default : JSON.stringify(definition.default)}\``;
  return definition.note === undefined ? value : `${value} (${definition.note})`;
}
