import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitSqlStatements, SqlSyntaxError } from '../../lambdas/db/data-api-sql.js';

const texts = (script: string) => splitSqlStatements(script).map((s) => s.text);

/** Removes every occurrence of the markers, again and again, since removing one can join its neighbours into another. */
function withoutMarkers(text: string, markers: readonly string[]): string {
  let previous: string;
  let current = text;
  do {
    previous = current;
    for (const marker of markers) current = current.split(marker).join('');
  } while (current !== previous);
  return current;
}

describe('splitting a migration script into statements', () => {
  it('splits at semicolons and drops blanks', () => {
    expect(texts('CREATE TABLE a (x int);\n\n  INSERT INTO a VALUES (1) ;;\nSELECT 1')).toEqual([
      'CREATE TABLE a (x int)',
      'INSERT INTO a VALUES (1)',
      'SELECT 1',
    ]);
  });

  it('keeps semicolons in string constants, escaped strings and quoted identifiers', () => {
    expect(texts(`INSERT INTO t VALUES ('a;b', 'it''s; fine', E'esc\\'; still', "col;umn"); SELECT 2;`)).toEqual([
      `INSERT INTO t VALUES ('a;b', 'it''s; fine', E'esc\\'; still', "col;umn")`,
      'SELECT 2',
    ]);
  });

  it('treats a backslash as literal in a standard string', () => {
    expect(texts(`SELECT 'C:\\'; SELECT 3`)).toEqual([`SELECT 'C:\\'`, 'SELECT 3']);
  });

  it('keeps dollar-quoted bodies whole, with or without tags, nested', () => {
    const fn = `CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $outer$
BEGIN
  EXECUTE $inner$ SELECT 1; $inner$;
  RAISE NOTICE 'done;';
END;
$outer$`;
    expect(texts(`${fn};\nDO $$ BEGIN PERFORM 1; END $$;`)).toEqual([fn, 'DO $$ BEGIN PERFORM 1; END $$']);
  });

  it('does not take a positional parameter or an identifier with $ for a dollar quote', () => {
    expect(texts('PREPARE p AS SELECT $1; SELECT a$b$c FROM t')).toEqual(['PREPARE p AS SELECT $1', 'SELECT a$b$c FROM t']);
  });

  it('ignores semicolons in line comments and nested block comments, and drops comment-only pieces', () => {
    expect(texts('-- header; with semicolon\nSELECT 1; /* a; /* nested; */ b; */ SELECT 2;\n-- trailing; comment\n')).toEqual([
      'SELECT 1',
      'SELECT 2',
    ]);
  });

  it('keeps a SQL-standard function body (BEGIN ATOMIC … END), CASE expressions included, as one statement', () => {
    const fn = `CREATE OR REPLACE FUNCTION label(x int) RETURNS text LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 'positive' ELSE 'other' END;
  SELECT 'second';
END`;
    expect(texts(`${fn};\nBEGIN;`)).toEqual([fn, 'BEGIN']);
  });

  it('reports the line each statement starts on', () => {
    expect(splitSqlStatements('-- one\n\nSELECT 1;\n  SELECT\n 2;').map((s) => s.line)).toEqual([3, 4]);
  });

  it('refuses psql meta-commands, saying where', () => {
    expect(() => splitSqlStatements('SELECT 1;\n\\i other.sql\n')).toThrow(/psql meta-commands .* at line 2, column 1/);
  });

  it.each([
    ["SELECT 'open", 'unterminated string constant at line 1, column 8'],
    ['SELECT 1;\nSELECT $x$ body', 'unterminated dollar-quoted string $x$ at line 2, column 8'],
    ['/* open /* nested */', 'unterminated block comment at line 1, column 1'],
    ['SELECT "open', 'unterminated quoted identifier at line 1, column 8'],
  ])('refuses unterminated text (%s)', (script, message) => {
    expect(() => splitSqlStatements(script)).toThrow(SqlSyntaxError);
    expect(() => splitSqlStatements(script)).toThrow(message);
  });

  it('gives back any statements joined by semicolons, whatever their strings and comments hold', () => {
    const content = fc.string({ unit: fc.constantFrom(';', 'a', ' ', '-', '/', '*', '$', '\n', "'", '"', 'E') });
    const piece = fc.oneof(
      content.map((t) => `'${t.replace(/'/g, "''")}'`),
      content.map((t) => `"${t.replace(/"/g, '""')}"`),
      content.map((t) => `$$ ${withoutMarkers(t, ['$$'])} $$`),
      content.map((t) => `/* ${withoutMarkers(t, ['/*', '*/'])} */`),
      fc.constantFrom('SELECT', 'x', '1', '+', '(', ')', 'FROM t'),
    );
    const statement = fc.array(piece, { minLength: 1, maxLength: 6 }).map((pieces) => `SELECT ${pieces.join(' ')} AS x`);
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 5 }), (statements) => {
        expect(texts(statements.join(';\n'))).toEqual(statements);
      }),
      { numRuns: 300 },
    );
  });
});
