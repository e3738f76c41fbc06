/**
 * A lexical scanner for PostgreSQL SQL text, and what is built on it: splitting a
 * script into the single statements the RDS Data API runs one per call.
 *
 * The scanner knows exactly as much of PostgreSQL's lexical grammar as is needed to
 * tell code from non-code: string constants ('…', E'…' with backslash escapes),
 * dollar-quoted strings ($$…$$, $tag$…$tag$), quoted identifiers ("…"), line
 * comments and nested block comments, `::` casts and `:name` parameters.
 */

export type SqlTokenKind =
  | 'whitespace'
  | 'line-comment'
  | 'block-comment'
  | 'string'
  | 'dollar-string'
  | 'quoted-identifier'
  | 'word'
  | 'parameter'
  | 'cast'
  | 'semicolon'
  | 'other';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  /** The token's source text. For a parameter, including the colon. */
  readonly text: string;
  /** Offset of the token's first character in the source. */
  readonly start: number;
  /** Offset just past the token's last character. */
  readonly end: number;
}

/** SQL text that cannot be scanned, with the 1-based line and column of the fault. */
export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = 'SqlSyntaxError';
  }
}

const IDENTIFIER_START = /[A-Za-z_\u0080-\uffff]/;
const IDENTIFIER_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_QUOTE_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const WHITESPACE = /\s/;

/** Splits SQL text into tokens that, concatenated, give back the text exactly. */
export function scanSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  const push = (kind: SqlTokenKind, end: number) => {
    tokens.push({ kind, text: sql.slice(i, end), start: i, end });
    i = end;
  };
  const fail = (message: string, at: number): never => {
    const { line, column } = lineAndColumn(sql, at);
    throw new SqlSyntaxError(message, line, column);
  };

  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (WHITESPACE.test(c)) {
      let end = i + 1;
      while (end < sql.length && WHITESPACE.test(sql[end]!)) end++;
      push('whitespace', end);
    } else if (c === '-' && next === '-') {
      const newline = sql.indexOf('\n', i);
      push('line-comment', newline === -1 ? sql.length : newline);
    } else if (c === '/' && next === '*') {
      push('block-comment', endOfBlockComment(sql, i, fail));
    } else if (c === "'") {
      push('string', endOfQuoted(sql, i, "'", false, fail));
    } else if ((c === 'e' || c === 'E') && next === "'" && !isIdentifierPartBefore(sql, i)) {
      push('string', endOfQuoted(sql, i + 1, "'", true, fail));
    } else if (c === '"') {
      push('quoted-identifier', endOfQuoted(sql, i, '"', false, fail));
    } else if (c === '$' && !isIdentifierPartBefore(sql, i) && dollarQuoteTagAt(sql, i)) {
      const tag = dollarQuoteTagAt(sql, i)!;
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1) fail(`unterminated dollar-quoted string ${tag}`, i);
      push('dollar-string', close + tag.length);
    } else if (IDENTIFIER_START.test(c)) {
      let end = i + 1;
      while (end < sql.length && IDENTIFIER_PART.test(sql[end]!)) end++;
      push('word', end);
    } else if (c === ':' && next === ':') {
      push('cast', i + 2);
    } else if (c === ':' && next !== undefined && IDENTIFIER_START.test(next)) {
      let end = i + 2;
      while (end < sql.length && /[A-Za-z0-9_\u0080-\uffff]/.test(sql[end]!)) end++;
      push('parameter', end);
    } else if (c === ';') {
      push('semicolon', i + 1);
    } else {
      push('other', i + 1);
    }
  }
  return tokens;
}

/** The name of a `parameter` token, without its colon. */
export function parameterName(token: SqlToken): string {
  return token.text.slice(1);
}

/** One statement of a script, as the Data API would be sent it. */
export interface SqlStatement {
  /** The statement's text, without its terminating semicolon or surrounding blanks. */
  readonly text: string;
  /** 1-based line of the script on which the statement starts. */
  readonly line: number;
}

/**
 * Splits a script into statements at the semicolons that end them: not those in
 * strings, quoted identifiers, comments, dollar-quoted bodies, or the body of a
 * `CREATE FUNCTION … BEGIN ATOMIC … END` (whose statements psql also keeps together).
 * Pieces holding only blanks and comments are dropped. psql meta-commands (a
 * backslash at the start of a line) are refused: the Data API runs SQL only.
 */
export function splitSqlStatements(script: string): SqlStatement[] {
  const tokens = scanSql(script);
  const statements: SqlStatement[] = [];
  let current: SqlToken[] = [];
  let atomicDepth = 0;

  const finish = () => {
    const code = current.filter(isCode);
    const first = code[0];
    const last = code[code.length - 1];
    if (first && last) {
      statements.push({ text: script.slice(first.start, last.end), line: lineAndColumn(script, first.start).line });
    }
    current = [];
    atomicDepth = 0;
  };

  for (const token of tokens) {
    if (token.kind === 'other' && token.text === '\\' && startsLine(script, token.start)) {
      const { line, column } = lineAndColumn(script, token.start);
      throw new SqlSyntaxError('psql meta-commands are not SQL and cannot be sent to the Data API', line, column);
    }
    if (token.kind === 'semicolon' && atomicDepth === 0) {
      finish();
      continue;
    }
    current.push(token);
    if (token.kind === 'word') atomicDepth = nextAtomicDepth(current, token, atomicDepth);
  }
  finish();
  return statements;
}

/** Whether a token is SQL code, as opposed to whitespace or a comment. */
export function isCode(token: SqlToken): boolean {
  return token.kind !== 'whitespace' && token.kind !== 'line-comment' && token.kind !== 'block-comment';
}

/**
 * Tracks nesting of a SQL-standard routine body: inside `CREATE [OR REPLACE]
 * FUNCTION|PROCEDURE`, BEGIN opens a block, CASE opens one when inside a block, and
 * END closes one. Mirrors psql's own rule, so scripts split as psql would run them.
 */
function nextAtomicDepth(statement: readonly SqlToken[], word: SqlToken, depth: number): number {
  const keyword = word.text.toUpperCase();
  if (keyword === 'BEGIN' && definesRoutine(statement)) return depth + 1;
  if (keyword === 'CASE' && depth > 0) return depth + 1;
  if (keyword === 'END' && depth > 0) return depth - 1;
  return depth;
}

function definesRoutine(statement: readonly SqlToken[]): boolean {
  const words = statement
    .filter((t) => t.kind === 'word')
    .slice(0, 4)
    .map((t) => t.text.toUpperCase());
  if (words[0] !== 'CREATE') return false;
  const kind = words[1] === 'OR' && words[2] === 'REPLACE' ? words[3] : words[1];
  return kind === 'FUNCTION' || kind === 'PROCEDURE';
}

function endOfBlockComment(sql: string, start: number, fail: (message: string, at: number) => never): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return fail('unterminated block comment', start);
}

/** End of a quoted run whose opening quote is at `start`; a doubled quote stands for one. */
function endOfQuoted(
  sql: string,
  start: number,
  quote: string,
  backslashEscapes: boolean,
  fail: (message: string, at: number) => never,
): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return fail(quote === '"' ? 'unterminated quoted identifier' : 'unterminated string constant', start);
}

function dollarQuoteTagAt(sql: string, i: number): string | undefined {
  DOLLAR_QUOTE_TAG.lastIndex = i;
  return DOLLAR_QUOTE_TAG.exec(sql)?.[0];
}

function isIdentifierPartBefore(sql: string, i: number): boolean {
  return i > 0 && IDENTIFIER_PART.test(sql[i - 1]!);
}

function startsLine(sql: string, i: number): boolean {
  const lineStart = sql.lastIndexOf('\n', i - 1) + 1;
  return sql.slice(lineStart, i).trim() === '';
}

/** 1-based line and column of an offset. */
export function lineAndColumn(sql: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (sql[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
