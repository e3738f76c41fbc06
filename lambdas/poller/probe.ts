import type { PollerConfig } from './config.js';
import { SourceClient, type EndpointFailure } from './source-client.js';

/** What one path answered to a probe: history pages, snapshots, or a failure. */
export type SourceProbe =
  | { readonly path: string; readonly mode: 'history' | 'snapshot'; readonly items: number }
  | { readonly path: string; readonly failure: EndpointFailure };

/**
 * Asks every path once, without retries, what it serves: `?since=<now>&limit=1` (plain GET
 * when history mode is off). A history page means history mode, a plain envelope snapshot
 * mode; anything else is a failure with the poller's own wording (unreachable host, HTTP
 * status, not JSON, not an envelope). Never throws for a bad answer.
 */
export async function probeSource(
  config: Pick<PollerConfig, 'sourceBaseUrl' | 'requestTimeoutMs' | 'historyMode'>,
  paths: readonly string[],
  options: { readonly fetch?: typeof fetch; readonly now?: () => number } = {},
): Promise<SourceProbe[]> {
  const client = new SourceClient({
    baseUrl: config.sourceBaseUrl,
    requestTimeoutMs: config.requestTimeoutMs,
    maxAttempts: 1,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const now = options.now ?? Date.now;
  return Promise.all(
    paths.map(async (path): Promise<SourceProbe> => {
      const result = await client.fetchEndpoint(path, config.historyMode === 'off' ? {} : { since: now(), limit: 1 });
      if (!result.ok) return { path, failure: result.failure };
      return { path, mode: result.history ? 'history' : 'snapshot', items: result.items.length };
    }),
  );
}

/** One line per path for a person: `params/x  history mode` or `params/x  FAILED: network: …`. */
export function describeProbe(probe: SourceProbe): string {
  if ('failure' in probe) return `${probe.path}  FAILED (${probe.failure.kind}): ${probe.failure.message}`;
  return `${probe.path}  ${probe.mode === 'history' ? 'history mode (?since= pages)' : 'snapshot mode (no history: latest readings only)'}`;
}
