import {
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  type ExecuteStatementCommandOutput,
  type RDSDataClient,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  createLocalRdsDataClient,
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  openEmbeddedDatabase,
  pgliteBackend,
  postgresBackend,
  startDataApiServer,
  type DataApiBackend,
  type DataApiServer,
  type DataApiServerOptions,
  type EmbeddedDatabase,
} from '../../local/data-api/index.js';
import { describeWithPostgres, startPostgresServer, type PostgresServer } from '../support/postgres-server.js';

export type BackendKind = 'PGlite' | 'PostgreSQL';

/** A running local Data API endpoint and a real SDK client for it. */
export interface Endpoint {
  readonly kind: BackendKind;
  readonly server: DataApiServer;
  readonly client: RDSDataClient;
  readonly backend: DataApiBackend;
  /** The embedded database, on PGlite. */
  readonly embedded?: EmbeddedDatabase;
  /** The server's connection string, on PostgreSQL. */
  readonly connectionString?: string;
  readonly target: { resourceArn: string; secretArn: string; database: string };
  /** ExecuteStatement through the SDK. */
  execute(
    sql: string,
    parameters?: SqlParameter[],
    options?: Partial<ExecuteStatementCommandInput>,
  ): Promise<ExecuteStatementCommandOutput>;
}

type EndpointOptions = Omit<DataApiServerOptions, 'backend'>;

/**
 * Runs `suite` twice: against an endpoint over PGlite and against one over a real
 * PostgreSQL server (skipped without one, failing under CI — see describeWithPostgres).
 */
export function describeOnBothBackends(title: string, suite: (endpoint: () => Endpoint) => void, options: EndpointOptions = {}): void {
  describeOnBackend('PGlite', title, suite, options);
  describeOnBackend('PostgreSQL', title, suite, options);
}

export function describeOnBackend(
  kind: BackendKind,
  title: string,
  suite: (endpoint: () => Endpoint) => void,
  options: EndpointOptions = {},
): void {
  const body = () => {
    let endpoint: Endpoint | undefined;
    let teardown: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ endpoint, teardown } = await startEndpoint(kind, options));
    }, 60_000);
    afterAll(async () => {
      await teardown?.();
    }, 30_000);
    suite(() => {
      if (!endpoint) throw new Error('the endpoint did not start');
      return endpoint;
    });
  };
  if (kind === 'PGlite') describe(`${title} (PGlite)`, body);
  else describeWithPostgres(`${title} (PostgreSQL)`, body);
}

export async function startEndpoint(
  kind: BackendKind,
  options: EndpointOptions = {},
): Promise<{ endpoint: Endpoint; teardown: () => Promise<void> }> {
  let embedded: EmbeddedDatabase | undefined;
  let postgres: PostgresServer | undefined;
  let backend: DataApiBackend;
  if (kind === 'PGlite') {
    embedded = await openEmbeddedDatabase();
    backend = pgliteBackend(embedded);
  } else {
    postgres = await startPostgresServer();
    backend = postgresBackend({ connectionString: postgres.connectionString });
  }
  const server = await startDataApiServer({ ...options, backend, port: 0 });
  const client = createLocalRdsDataClient(server.url, { maxAttempts: 1 });
  const target = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE };
  const endpoint: Endpoint = {
    kind,
    server,
    client,
    backend,
    embedded,
    connectionString: postgres?.connectionString,
    target,
    execute: (sql, parameters, extra = {}) => client.send(new ExecuteStatementCommand({ ...target, sql, parameters, ...extra })),
  };
  return {
    endpoint,
    teardown: async () => {
      client.destroy();
      await server.close();
      await backend.close();
      await embedded?.close();
      await postgres?.stop();
    },
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
