import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  type RDSDataClient,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';

/** A value bound to a `:name` parameter. Objects and arrays are sent as JSON text. */
export type SqlValue = string | number | boolean | null | { readonly json: unknown };

export type SqlParams = Readonly<Record<string, SqlValue>>;

/** The small SQL surface the stores need, so they can be tested on any Data API endpoint. */
export interface SqlSession {
  /** Runs a query and returns its rows as plain objects keyed by column name. */
  query<Row>(sql: string, params?: SqlParams): Promise<Row[]>;
  /** Runs a statement and returns the number of rows it changed. */
  execute(sql: string, params?: SqlParams): Promise<number>;
}

export interface SqlDatabase extends SqlSession {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
}

/** Which cluster and database the Data API calls address. */
export interface DataApiTarget {
  readonly resourceArn: string;
  readonly secretArn: string;
  readonly database: string;
}

/**
 * SQL over the RDS Data API. The Data API takes no array parameters, so multi-row
 * statements pass their rows as one JSON parameter (`jsonb_to_recordset(:rows::jsonb)`).
 */
export class DataApiDatabase implements SqlDatabase {
  constructor(
    private readonly client: RDSDataClient,
    private readonly target: DataApiTarget,
  ) {}

  query<Row>(sql: string, params?: SqlParams): Promise<Row[]> {
    return runQuery<Row>(this.client, this.target, sql, params);
  }

  execute(sql: string, params?: SqlParams): Promise<number> {
    return runStatement(this.client, this.target, sql, params);
  }

  async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    const { transactionId } = await this.client.send(
      new BeginTransactionCommand({
        resourceArn: this.target.resourceArn,
        secretArn: this.target.secretArn,
        database: this.target.database,
      }),
    );
    if (!transactionId) throw new Error('the Data API began a transaction without returning its id');
    const session: SqlSession = {
      query: (sql, params) => runQuery(this.client, this.target, sql, params, transactionId),
      execute: (sql, params) => runStatement(this.client, this.target, sql, params, transactionId),
    };
    let result: T;
    try {
      result = await work(session);
    } catch (error) {
      await this.client
        .send(new RollbackTransactionCommand({ resourceArn: this.target.resourceArn, secretArn: this.target.secretArn, transactionId }))
        .catch(() => undefined);
      throw error;
    }
    await this.client.send(
      new CommitTransactionCommand({ resourceArn: this.target.resourceArn, secretArn: this.target.secretArn, transactionId }),
    );
    return result;
  }
}

async function runQuery<Row>(
  client: RDSDataClient,
  target: DataApiTarget,
  sql: string,
  params?: SqlParams,
  transactionId?: string,
): Promise<Row[]> {
  const output = await client.send(
    new ExecuteStatementCommand({ ...target, sql, parameters: toSqlParameters(params), transactionId, formatRecordsAs: 'JSON' }),
  );
  return output.formattedRecords ? (JSON.parse(output.formattedRecords) as Row[]) : [];
}

async function runStatement(
  client: RDSDataClient,
  target: DataApiTarget,
  sql: string,
  params?: SqlParams,
  transactionId?: string,
): Promise<number> {
  const output = await client.send(new ExecuteStatementCommand({ ...target, sql, parameters: toSqlParameters(params), transactionId }));
  return output.numberOfRecordsUpdated ?? 0;
}

/** Converts named values to the Data API's typed parameters. */
export function toSqlParameters(params: SqlParams | undefined): SqlParameter[] | undefined {
  if (!params) return undefined;
  return Object.entries(params).map(([name, value]): SqlParameter => {
    if (value === null) return { name, value: { isNull: true } };
    if (typeof value === 'string') return { name, value: { stringValue: value } };
    if (typeof value === 'boolean') return { name, value: { booleanValue: value } };
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new RangeError(`parameter :${name} is ${value}; SQL parameters must be finite`);
      return Number.isSafeInteger(value) ? { name, value: { longValue: value } } : { name, value: { doubleValue: value } };
    }
    return { name, value: { stringValue: JSON.stringify(value.json) }, typeHint: 'JSON' };
  });
}
