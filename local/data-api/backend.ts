import type pg from 'pg';

/** One result column as the engine describes it. */
export interface EngineField {
  readonly name: string;
  readonly dataTypeID: number;
  readonly dataTypeModifier: number;
}

/** A statement's result, values in PostgreSQL's text output format. */
export interface EngineResult {
  /** The command tag's verb: SELECT, INSERT, UPDATE, CREATE… */
  readonly command: string;
  readonly rowCount: number;
  /** Empty for statements that return no rows (no RowDescription). */
  readonly fields: readonly EngineField[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | null>>;
}

/** One connection to the engine, held by one caller at a time. */
export interface EngineSession {
  /** Runs one statement with positional parameters, through the extended protocol. */
  query(text: string, values?: readonly unknown[]): Promise<EngineResult>;
  /** Hands the connection back. `broken` discards it instead (after a protocol or I/O failure). */
  release(broken?: boolean): void;
}

/**
 * A PostgreSQL engine behind the Data API endpoint. The endpoint takes one session
 * per statement outside a transaction and one per transaction for its whole life;
 * an engine with one connection therefore serialises them.
 */
export interface DataApiBackend {
  /** A name for logs and messages: "PGlite (…)" or "PostgreSQL (…)". */
  readonly description: string;
  /**
   * Waits for a free session. Rejects with {@link EngineBusyError} after `timeoutMs`,
   * or at once if the engine is unreachable. `purpose` names the caller in the
   * message others get while it holds the engine.
   */
  acquire(timeoutMs: number, purpose?: string): Promise<EngineSession>;
  close(): Promise<void>;
}

/** Type parsers that keep every value as PostgreSQL's text, for the endpoint to convert. */
export const RAW_TEXT_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** Runs statements on a node-postgres client, in the shape the endpoint wants. */
export async function runOnClient(client: pg.ClientBase, text: string, values: readonly unknown[] = []): Promise<EngineResult> {
  const result = await client.query({ text, values: [...values], rowMode: 'array', queryMode: 'extended' } as pg.QueryArrayConfig);
  return {
    command: result.command ?? '',
    rowCount: result.rowCount ?? 0,
    fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID, dataTypeModifier: f.dataTypeModifier })),
    rows: result.rows as ReadonlyArray<ReadonlyArray<string | null>>,
  };
}

/** No session became free in time: another transaction or client holds the engine. */
export class EngineBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineBusyError';
  }
}
