import { EngineBusyError, type DataApiBackend, type EngineField, type EngineResult, type EngineSession } from './backend.js';
import { badRequest, DataApiError, fromDatabaseError } from './errors.js';
import { bindParameters, type BindOptions } from './named-parameters.js';
import { builtInType, typeFromCatalog, type PostgresType } from './postgres-types.js';
import {
  batchExecuteStatementRequest,
  beginTransactionRequest,
  endTransactionRequest,
  executeStatementRequest,
  parseRequest,
  type ExecuteStatementRequest,
} from './requests.js';
import { toColumnMetadata, toField, toJsonValue, type ResultColumn } from './result-fields.js';
import { TransactionRegistry } from './transactions.js';
import type { WireBatchExecuteStatementResponse, WireExecuteStatementResponse, WireField } from './wire.js';

export interface DataApiServiceOptions extends BindOptions {
  readonly backend: DataApiBackend;
  /** An open transaction with no call for this long is rolled back. Default 3 minutes, as on the service. */
  readonly transactionIdleTimeoutMs?: number;
  /**
   * How long a call waits for the engine while others hold it (on PGlite: while a
   * transaction or a psql client is mid-transaction). Default 200 s, longer than the
   * idle timeout so that an abandoned transaction is rolled back before waiters give up.
   */
  readonly engineWaitTimeoutMs?: number;
  /** Largest ExecuteStatement response, as on the service. Default 1 MiB. */
  readonly maxResponseBytes?: number;
}

const COMMANDS_THAT_UPDATE = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/**
 * The five Data API operations over a PostgreSQL backend. Takes request bodies as
 * parsed JSON and returns response bodies; throws {@link DataApiError} for anything
 * the service would answer with an error.
 */
export class DataApiService {
  private readonly transactions: TransactionRegistry;
  private readonly typeCache = new Map<number, PostgresType>();
  private readonly engineWaitTimeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: DataApiServiceOptions) {
    this.engineWaitTimeoutMs = options.engineWaitTimeoutMs ?? 200_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.transactions = new TransactionRegistry(options.backend, {
      idleTimeoutMs: options.transactionIdleTimeoutMs ?? 180_000,
      acquireTimeoutMs: this.engineWaitTimeoutMs,
    });
  }

  /** Transactions currently open. */
  get openTransactions(): number {
    return this.transactions.size;
  }

  async executeStatement(body: unknown): Promise<WireExecuteStatementResponse> {
    const request = parseRequest(executeStatementRequest, body);
    const statement = bindParameters(request.sql, request.parameters, this.options);
    const { result, types } = await this.withSession(request.transactionId, async (session) => {
      const result = await session.query(statement.text, statement.values);
      return { result, types: await this.resolveTypes(session, result.fields) };
    });
    const response = this.toExecuteResponse(request, result, types);
    const size = Buffer.byteLength(JSON.stringify(response));
    if (size > this.maxResponseBytes) {
      throw badRequest(
        `Database returned more than the allowed response size limit (${size} bytes; the limit is ${this.maxResponseBytes})`,
      );
    }
    return response;
  }

  async batchExecuteStatement(body: unknown): Promise<WireBatchExecuteStatementResponse> {
    const request = parseRequest(batchExecuteStatementRequest, body);
    const sets = request.parameterSets ?? [];
    if (sets.length === 0) {
      throw badRequest('parameterSets must hold at least one parameter set; to run the statement once without parameters, pass [[]]');
    }
    const statements = sets.map((parameters) => bindParameters(request.sql, parameters, this.options));
    const runAll = async (session: EngineSession) => {
      for (const statement of statements) await session.query(statement.text, statement.values);
    };
    if (request.transactionId) {
      await this.withSession(request.transactionId, runAll);
    } else {
      await this.withSession(undefined, (session) => inOneTransaction(session, runAll));
    }
    return { updateResults: statements.map(() => ({ generatedFields: [] })) };
  }

  async beginTransaction(body: unknown): Promise<{ transactionId: string }> {
    parseRequest(beginTransactionRequest, body);
    try {
      return { transactionId: await this.transactions.begin() };
    } catch (error) {
      throw toServiceError(error);
    }
  }

  commitTransaction(body: unknown): Promise<{ transactionStatus: string }> {
    return this.endTransaction(body, (id) => this.transactions.commit(id), 'Transaction Committed');
  }

  rollbackTransaction(body: unknown): Promise<{ transactionStatus: string }> {
    return this.endTransaction(body, (id) => this.transactions.rollback(id), 'Rollback Complete');
  }

  private async endTransaction(
    body: unknown,
    end: (transactionId: string) => Promise<unknown>,
    transactionStatus: string,
  ): Promise<{ transactionStatus: string }> {
    const { transactionId } = parseRequest(endTransactionRequest, body);
    try {
      await end(transactionId);
    } catch (error) {
      throw toServiceError(error);
    }
    return { transactionStatus };
  }

  /** Rolls back open transactions. The backend stays open: its owner closes it. */
  async close(): Promise<void> {
    await this.transactions.rollbackAll();
  }

  /** Runs `work` in the given transaction, or on a session of its own (autocommit). */
  private async withSession<T>(transactionId: string | undefined, work: (session: EngineSession) => Promise<T>): Promise<T> {
    try {
      if (transactionId) return await this.transactions.run(transactionId, work);
      const session = await this.options.backend.acquire(this.engineWaitTimeoutMs);
      let broken = false;
      try {
        return await work(session);
      } catch (error) {
        broken = !(toServiceError(error).type === 'DatabaseErrorException');
        throw error;
      } finally {
        session.release(broken);
      }
    } catch (error) {
      throw toServiceError(error);
    }
  }

  /** Describes each result column's type, asking the catalog about types not built in. */
  private async resolveTypes(session: EngineSession, fields: readonly EngineField[]): Promise<Map<number, PostgresType>> {
    const types = new Map<number, PostgresType>();
    let wanted = fields.map((f) => f.dataTypeID);
    for (let round = 0; round < 2 && wanted.length > 0; round++) {
      const unknown = [...new Set(wanted.filter((oid) => !types.has(oid) && !builtInType(oid) && !this.typeCache.has(oid)))];
      if (unknown.length > 0) await this.lookUpTypes(session, unknown);
      for (const oid of wanted)
        types.set(oid, builtInType(oid) ?? this.typeCache.get(oid) ?? typeFromCatalog({ oid, name: 'unknown', elementOid: 0 }));
      wanted = [...types.values()].flatMap((t) => (t.elementOid !== undefined && !types.has(t.elementOid) ? [t.elementOid] : []));
    }
    return types;
  }

  private async lookUpTypes(session: EngineSession, oids: number[]): Promise<void> {
    const result = await session.query(
      "SELECT oid::int8, typname, CASE WHEN typcategory = 'A' THEN typelem ELSE 0 END::int8 FROM pg_type WHERE oid = ANY($1::oid[])",
      [oids],
    );
    for (const [oid, name, elementOid] of result.rows) {
      const type = typeFromCatalog({ oid: Number(oid), name: name ?? 'unknown', elementOid: Number(elementOid) });
      this.typeCache.set(type.oid, type);
    }
  }

  private toExecuteResponse(
    request: ExecuteStatementRequest,
    result: EngineResult,
    types: Map<number, PostgresType>,
  ): WireExecuteStatementResponse {
    const resolve = (oid: number) => types.get(oid) ?? builtInType(oid) ?? builtInType(25)!;
    const response: WireExecuteStatementResponse = {
      numberOfRecordsUpdated: COMMANDS_THAT_UPDATE.has(result.command) ? result.rowCount : 0,
      generatedFields: [],
    };
    if (result.fields.length === 0) return response;
    const columns: ResultColumn[] = result.fields.map((f) => ({
      name: f.name,
      type: resolve(f.dataTypeID),
      typeModifier: f.dataTypeModifier,
    }));
    const options = request.resultSetOptions ?? {};
    const records: WireField[][] = result.rows.map((row) =>
      columns.map((column, i) => toField(row[i] ?? null, column.type, resolve, options)),
    );
    if (request.formatRecordsAs === 'JSON') {
      response.formattedRecords = JSON.stringify(
        records.map((record) => Object.fromEntries(columns.map((column, i) => [column.name, toJsonValue(record[i]!)]))),
      );
    } else {
      response.records = records;
    }
    if (request.includeResultMetadata) response.columnMetadata = columns.map((column) => toColumnMetadata(column, resolve));
    return response;
  }
}

/** Runs `work` between BEGIN and COMMIT, rolling back if it fails. */
async function inOneTransaction(session: EngineSession, work: (session: EngineSession) => Promise<void>): Promise<void> {
  await session.query('BEGIN');
  try {
    await work(session);
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await session.query('COMMIT');
}

function toServiceError(error: unknown): DataApiError {
  if (error instanceof EngineBusyError) return new DataApiError('StatementTimeoutException', `Request timed out: ${error.message}`);
  return fromDatabaseError(error);
}
