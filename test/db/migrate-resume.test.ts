import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DatabaseResumingException } from '@aws-sdk/client-rds-data';
import { afterEach, expect, it } from 'vitest';
import { runMigrations } from '../../lambdas/db/migrate.js';
import { loadMigrationsFromDirectory } from '../../lambdas/db/migration-set.js';
import { createLocalRdsDataClient } from '../../local/data-api/index.js';
import { describeOnBackend, rejectionOf } from '../data-api/endpoints.js';

/**
 * A front for the local endpoint that answers the first `pausedFor` BeginTransaction
 * calls as an auto-paused Aurora Serverless v2 cluster does while it resumes: a fake,
 * since resuming is an AWS behaviour that cannot run here. Everything else is passed on.
 */
async function pausedClusterFront(target: string, pausedFor: number): Promise<{ url: string; begins: () => number; server: Server }> {
  let begins = 0;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.url === '/BeginTransaction' && ++begins <= pausedFor) {
      response.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'DatabaseResumingException' });
      response.end(JSON.stringify({ message: 'The database is resuming after being auto-paused.' }));
      return;
    }
    const forwarded = await fetch(`${target}${request.url}`, {
      method: 'POST',
      body: Buffer.concat(chunks),
      headers: { 'content-type': 'application/json' },
    });
    response.writeHead(forwarded.status, Object.fromEntries(forwarded.headers));
    response.end(Buffer.from(await forwarded.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, begins: () => begins, server };
}

describeOnBackend('PGlite', 'the migration runner and a paused cluster (faked resume)', (endpoint) => {
  let front: Server | undefined;
  afterEach(async () => {
    front?.closeAllConnections();
    await new Promise((resolve) => front?.close(resolve));
  });

  it('waits for the cluster to resume, then applies the migrations', async () => {
    const e = endpoint();
    const paused = await pausedClusterFront(e.server.url, 3);
    front = paused.server;
    const report = await runMigrations({
      client: createLocalRdsDataClient(paused.url, { maxAttempts: 1 }),
      ...e.target,
      migrations: loadMigrationsFromDirectory('test/db/fixtures/ordered'),
      resumeWait: { timeoutMs: 10_000, intervalMs: 20 },
    });
    expect(report.applied).toHaveLength(3);
    expect(paused.begins()).toBeGreaterThan(3);
  });

  it('gives up with the resuming error once the wait is over', async () => {
    const e = endpoint();
    const paused = await pausedClusterFront(e.server.url, Number.POSITIVE_INFINITY);
    front = paused.server;
    const error = await rejectionOf(
      runMigrations({
        client: createLocalRdsDataClient(paused.url, { maxAttempts: 1 }),
        ...e.target,
        migrations: loadMigrationsFromDirectory('test/db/fixtures/ordered'),
        resumeWait: { timeoutMs: 200, intervalMs: 20 },
      }),
    );
    expect(error).toBeInstanceOf(DatabaseResumingException);
    expect(error.message).toContain('resuming');
  });
});
