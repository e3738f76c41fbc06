import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { expect } from 'vitest';
import { AlarmStore } from '../../lambdas/alarms/alarm-store.js';
import { createApiHandler } from '../../lambdas/api/api-handler.js';
import { readApiServices } from '../../lambdas/api/read-api.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import { processBatch } from '../../lambdas/batch/batch-processor.js';
import { DEFAULT_ESCALATION_POLICY } from '../../lambdas/domain/escalation.js';
import type { TumblingWindowResponse } from '../../lambdas/shared/tumbling-window.js';
import { JwtAuthorizer, type JwtAuthorizerOptions } from '../../local/api/jwt-authorizer.js';
import { HTTP_API_MAX_PAYLOAD_BYTES, startLocalAlarmApi } from '../../local/api/local-alarm-api.js';
import { startAlarmApiServer, type AlarmApiServer } from '../../local/api/server.js';
import { kinesisClientFor, type KinesisLocal } from '../../local/kinesis-local.js';
import { startLocalBatchDatabase, type LocalBatchDatabase } from './batch-database.js';
import { createActiveStream, readAllRecords, startTestKinesis } from './kinesis.js';
import { KNOWN_SITE, writeKnownSite } from '../report/known-site.js';
import { deliveredRecord, windowEvent } from './tumbling-events.js';

/**
 * The read API as the tests run it: the API function's handler (alarm and read routes) on
 * the known site in PGlite, with alarms applied, manual readings put on a kinesis-local
 * stream of four shards (the emulator's PutRecords slows as a shard fills), behind the
 * local API server `npm start` runs (sign-in stand-in, users of `local/users.json`), or
 * behind the bare server trusting another issuer's tokens (a fake Cognito's).
 */
export interface TestReadApi {
  readonly url: string;
  readonly local: LocalBatchDatabase;
  readonly stream: { readonly client: KinesisClient; readonly name: string };
  /** When the known site was written: its standpipe's readings are a minute old then. */
  readonly writtenAt: number;
  /** A bearer token from the sign-in stand-in, for `engineer` or `viewer`. */
  tokenFor(user: 'engineer' | 'viewer'): Promise<string>;
  /** Runs the batch processor over what the stream holds, one Lambda window per shard. */
  processStream(): Promise<void>;
  close(): Promise<void>;
}

const QUIET = { info: () => undefined, error: () => undefined };

export async function startTestReadApi(options: { readonly authorizer?: Omit<JwtAuthorizerOptions, 'now'> } = {}): Promise<TestReadApi> {
  const scratch = mkdtempSync(join(tmpdir(), 'read-api-'));
  const [kinesis, local]: [KinesisLocal, LocalBatchDatabase] = await Promise.all([
    startTestKinesis({ streamName: 'read-api-base', shardCount: 1 }),
    startLocalBatchDatabase('pglite'),
  ]);
  const name = 'read-api-readings';
  await createActiveStream(kinesis.client, name, 4);
  const client = kinesisClientFor(kinesis.endpoint, kinesis.region);
  const writtenAt = await writeKnownSite(local.db);
  const alarms = new AlarmStore(local.db);
  await alarms.applyPendingChanges('shardId-000000000000');
  const handler = createApiHandler({
    alarms,
    readings: readApiServices({
      db: local.db,
      kinesis: client,
      config: { streamName: name, windowSeconds: KNOWN_SITE.windowSeconds, maxFutureSkewMs: 60_000 },
    }),
    policy: DEFAULT_ESCALATION_POLICY,
    siteTimeZone: 'UTC',
    logger: QUIET,
  });
  const server: AlarmApiServer = options.authorizer
    ? await startAlarmApiServer({ handler, authorizer: new JwtAuthorizer(options.authorizer), maxBodyBytes: HTTP_API_MAX_PAYLOAD_BYTES })
    : await startLocalAlarmApi({ handler, dataDir: scratch, port: 0 });

  return {
    url: server.url,
    local,
    stream: { client, name },
    writtenAt,
    async tokenFor(user) {
      const response = await fetch(`${server.url}/local/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user, password: `local-${user}` }),
      });
      if (!response.ok) throw new Error(`sign-in as ${user} failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { accessToken: string }).accessToken;
    },
    async processStream() {
      const byShard = new Map<string, ReturnType<typeof deliveredRecord>[]>();
      for (const record of await readAllRecords(client, name)) {
        byShard.set(record.shardId, [...(byShard.get(record.shardId) ?? []), deliveredRecord(record)]);
      }
      const deps = {
        store: new AuroraBatchStore(local.db, KNOWN_SITE.windowSeconds),
        alarms: new AlarmStore(local.db),
        windowSeconds: KNOWN_SITE.windowSeconds,
        allowedLatenessMs: 0,
      };
      for (const [shardId, records] of byShard) {
        const outcome = await processBatch(windowEvent(records, {}, false, shardId), deps);
        expect(outcome.response.batchItemFailures).toEqual([]);
        await processBatch(windowEvent([], (outcome.response as TumblingWindowResponse).state, true, shardId), deps);
      }
    },
    async close() {
      await server.close();
      client.destroy();
      await Promise.all([kinesis.stop(), local.close()]);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
