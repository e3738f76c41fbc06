import type { TestProject } from 'vitest/node';
import { fetchDistribution, findCachedDistribution, missingPrerequisites } from '../../local/opensearch/distribution.js';
import { startOpenSearch } from '../../local/opensearch/server.js';
import { installDashboardModules } from '../../local/opensearch/modules.js';

/** What the suites learn about the server: its URL, or why there is none. */
export type OpenSearchUnderTest = { readonly url: string } | { readonly unavailable: string };

declare module 'vitest' {
  export interface ProvidedContext {
    opensearch: OpenSearchUnderTest;
  }
}

/**
 * Starts one OpenSearch server for the `opensearch` project (or uses OPENSEARCH_URL).
 * Outside CI, a machine without Java or Maven skips the server suites with what to
 * install; in CI (CI=true) a server that cannot start fails the run.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = process.env.OPENSEARCH_URL?.trim();
  if (fromEnv) {
    project.provide('opensearch', { url: fromEnv.replace(/\/+$/, '') });
    return undefined;
  }
  const inCi = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());
  const log = (message: string): void => console.log(`[opensearch] ${message}`);
  let distribution = findCachedDistribution();
  const missing = missingPrerequisites().filter((what) => distribution === null || what.startsWith('Java'));
  if (missing.length > 0) {
    const reason = `OpenSearch suites skipped: install ${missing.join(' and ')} (or set OPENSEARCH_URL)`;
    if (inCi) throw new Error(`CI runs the OpenSearch suites, but ${reason.replace('OpenSearch suites skipped: ', '')}`);
    console.warn(`[opensearch] ${reason}`);
    project.provide('opensearch', { unavailable: reason });
    return undefined;
  }
  distribution ??= fetchDistribution({ log });
  // A distribution cached before the Dashboards modules were added gets them here (a no-op once present).
  installDashboardModules({ home: distribution.home, version: distribution.version, log });
  const server = await startOpenSearch({ distribution, log });
  project.provide('opensearch', { url: server.url });
  return () => server.stop();
}
