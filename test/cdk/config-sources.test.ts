import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, CONFIG_KEYS } from '../../lib/config.js';
import { configurationTable, README_PATH, TABLE_END, TABLE_START } from '../../lib/config/docs-table.js';
import { PROJECT_ROOT } from '../../lib/constructs/pipeline-function.js';
import { cdkJsonContext } from './synth.js';

/**
 * The defaults are defined once, in lib/config/keys.ts; cdk.json and lib/README.md repeat
 * them where they are read and changed. These tests fail when either has drifted.
 */

/** Configuration keys are camelCase; the CDK's own context keys contain `@`, `:` or `-`. */
const isConfigurationLike = (key: string) => /^[a-z][A-Za-z0-9]*$/.test(key);

const keysWithDefault = CONFIG_KEYS.filter((key) => CONFIG_DEFAULTS[key] !== undefined);

describe('cdk.json context', () => {
  const context = cdkJsonContext();

  it('sets every configuration key that has a default, to that default', () => {
    expect(Object.fromEntries(keysWithDefault.map((key) => [key, context[key]]))).toEqual(
      Object.fromEntries(keysWithDefault.map((key) => [key, CONFIG_DEFAULTS[key]])),
    );
  });

  it('sets no other camelCase key (neither unknown keys nor keys that stay unset by default)', () => {
    expect(Object.keys(context).filter((key) => isConfigurationLike(key) && !keysWithDefault.includes(key as never))).toEqual([]);
  });
});

interface TableRow {
  readonly key: string;
  readonly defaultCell: string;
}

/** The rows of the Markdown table whose header starts with `| Key | Default |`. */
function configurationRows(markdown: string): TableRow[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => /^\|\s*Key\s*\|\s*Default\s*\|/.test(line));
  if (header < 0) throw new Error('no configuration table (| Key | Default | … |)');
  const rows: TableRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [keyCell = '', defaultCell = ''] = line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
    rows.push({ key: keyCell.replace(/^`(.*)`$/, '$1'), defaultCell });
  }
  return rows;
}

/**
 * The default a cell states, as written: `unset` (optionally followed by a note) for no
 * default, otherwise the text of the leading code span (`10`, `16.13`, `[]`).
 */
function statedDefault(cell: string): string | undefined {
  if (/^unset\b/.test(cell)) return undefined;
  const code = /^`([^`]*)`/.exec(cell)?.[1];
  if (code === undefined) throw new Error(`default cell ${JSON.stringify(cell)} is neither "unset" nor a code span`);
  return code;
}

/** A default as the table writes it: strings as they are (versions stay `16.13`), other values as JSON. */
const written = (value: unknown): string | undefined =>
  value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);

describe(`${README_PATH} configuration table`, () => {
  const readme = readFileSync(path.join(PROJECT_ROOT, README_PATH), 'utf8');
  const rows = configurationRows(readme);

  it('lists exactly the configuration keys, in their order', () => {
    expect(rows.map((row) => row.key)).toEqual(CONFIG_KEYS);
  });

  it('states the default of each key (unset where there is none)', () => {
    expect(Object.fromEntries(rows.map((row) => [row.key, statedDefault(row.defaultCell)]))).toEqual(
      Object.fromEntries(CONFIG_KEYS.map((key) => [key, written(CONFIG_DEFAULTS[key])])),
    );
  });

  it('is the table generated from the key definitions (run `npm run docs:config` after changing them)', () => {
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start, `the ${TABLE_START} marker`).toBeGreaterThanOrEqual(0);
    expect(end, `the ${TABLE_END} marker after it`).toBeGreaterThan(start);
    expect(readme.slice(start + TABLE_START.length, end).trim()).toBe(configurationTable());
  });
});

describe('the parsing of the table', () => {
  it('reads defaults as the README writes them', () => {
    expect(statedDefault('`10`')).toBe('10');
    expect(statedDefault('`16.13`')).toBe('16.13');
    expect(statedDefault('`[]` (QuickSight off)')).toBe('[]');
    expect(statedDefault('unset (`1` when provisioned)')).toBeUndefined();
    expect(() => statedDefault('ten')).toThrow(/neither "unset" nor a code span/);
    expect([written(0.5), written(true), written([]), written('2.19'), written(undefined)]).toEqual([
      '0.5',
      'true',
      '[]',
      '2.19',
      undefined,
    ]);
  });

  it('finds a key whose row is missing or whose default differs', () => {
    const table = ['| Key | Default | Accepts | What it sets |', '|---|---|---|---|', '| `env` | `prod` | x | y |', '', '| other |'];
    expect(configurationRows(table.join('\n'))).toEqual([{ key: 'env', defaultCell: '`prod`' }]);
  });
});
