/**
 * A local RDS Data API: an HTTP endpoint speaking the service's REST-JSON protocol
 * over a real PostgreSQL engine — embedded PGlite or a PostgreSQL server — so the
 * Lambdas' unchanged `RDSDataClient` code runs on this machine.
 *
 * @example
 * const database = await openEmbeddedDatabase({ dataDir: '.data/pglite' });
 * const endpoint = await startDataApiServer({ port: 8081, backend: pgliteBackend(database) });
 * const psql = await startPsqlSocket(database, { port: 5433 });
 * console.log(`Data API on ${endpoint.url}; inspect with: ${psql.psqlCommand}`);
 * const client = createLocalRdsDataClient(endpoint.url);
 */
export type { DataApiBackend, EngineResult, EngineSession } from './backend.js';
export {
  createLocalRdsDataClient,
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  LOCAL_TARGET,
  type LocalClientOptions,
} from './client.js';
export { openEmbeddedDatabase, pgliteBackend, type EmbeddedDatabase, type EmbeddedDatabaseOptions } from './embedded-database.js';
export { DataApiError, type DataApiErrorType } from './errors.js';
export { postgresBackend, type PostgresBackendOptions } from './postgres-backend.js';
export { startPsqlSocket, type PsqlSocket, type PsqlSocketOptions } from './psql-socket.js';
export { startDataApiServer, type DataApiServer, type DataApiServerOptions, type RequestLogEntry } from './server.js';
export { DataApiService, type DataApiServiceOptions } from './service.js';
