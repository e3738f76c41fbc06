import { RDSDataClient } from '@aws-sdk/client-rds-data';

/** Placeholder ARNs for local use: the endpoint requires them to be present, not real. */
export const LOCAL_CLUSTER_ARN = 'arn:aws:rds:ap-southeast-2:000000000000:cluster:local';
export const LOCAL_SECRET_ARN = 'arn:aws:secretsmanager:ap-southeast-2:000000000000:secret:local';
/** The database name the local runtime uses; the endpoint runs every statement on its backend's database. */
export const LOCAL_DATABASE = 'postgres';
/** The Data API target (as `DataApiTarget` in lambdas/db/sql-client.ts) of the local endpoint. */
export const LOCAL_TARGET = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE } as const;

export interface LocalClientOptions {
  /** Region the client signs for. Default ap-southeast-2; any region works locally. */
  readonly region?: string;
  /** SDK attempts per call, retries included. Default the SDK's (3). */
  readonly maxAttempts?: number;
}

/** An RDSDataClient pointed at a local Data API endpoint, with dummy credentials. */
export function createLocalRdsDataClient(endpoint: string, options: LocalClientOptions = {}): RDSDataClient {
  return new RDSDataClient({
    endpoint,
    region: options.region ?? 'ap-southeast-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
}
