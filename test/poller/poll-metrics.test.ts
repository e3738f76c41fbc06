import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PollSummary } from '../../lambdas/poller/poll-once.js';
import { pollMetricValues, publishPollMetrics } from '../../lambdas/poller/poll-metrics.js';
import { createMetrics } from '../../lambdas/shared/powertools.js';
import { METRICS_NAMESPACE, SERVICE_NAMES } from '../../lambdas/shared/telemetry.js';

const SUMMARY: PollSummary = {
  readingsPolled: 50,
  readingsAccepted: 44,
  readingsRejected: 6,
  rejectedByReason: { out_of_range: 2, duplicate_reading: 3, put_failed: 1 },
  recordsPut: 44,
  endpointFailures: 1,
  quarantineFailures: 0,
};

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** Runs `publish` and returns the Embedded Metric Format documents it wrote to stdout. */
function emfWrittenBy(publish: () => void): Emf[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    publish();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('poll metrics', () => {
  it('lists the totals and one ReadingsRejected per reason', () => {
    expect(pollMetricValues(SUMMARY)).toEqual([
      { name: 'ReadingsPolled', value: 50 },
      { name: 'ReadingsAccepted', value: 44 },
      { name: 'ReadingsRejected', value: 6 },
      { name: 'RecordsPut', value: 44 },
      { name: 'EndpointFailures', value: 1 },
      { name: 'ReadingsRejected', value: 3, dimensions: { reason: 'duplicate_reading' } },
      { name: 'ReadingsRejected', value: 2, dimensions: { reason: 'out_of_range' } },
      { name: 'ReadingsRejected', value: 1, dimensions: { reason: 'put_failed' } },
    ]);
    expect(pollMetricValues({ ...SUMMARY, quarantineFailures: 4 })).toContainEqual({ name: 'QuarantineFailures', value: 4 });
  });

  it('publishes them as EMF in the GeotechMonitoring namespace, reasons as a dimension', () => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', '');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', '');
    const metrics = createMetrics(SERVICE_NAMES.poller, {});
    const documents = emfWrittenBy(() => publishPollMetrics(metrics, SUMMARY));

    for (const document of documents) expect(document._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
    const totals = documents.find((d) => d.ReadingsPolled !== undefined);
    expect(totals).toMatchObject({
      ReadingsPolled: 50,
      ReadingsAccepted: 44,
      ReadingsRejected: 6,
      RecordsPut: 44,
      EndpointFailures: 1,
      service: 'poller',
    });
    const byReason = documents.filter((d) => d.reason !== undefined);
    expect(byReason.map((d) => [d.reason, d.ReadingsRejected])).toEqual([
      ['duplicate_reading', 3],
      ['out_of_range', 2],
      ['put_failed', 1],
    ]);
    for (const document of byReason) expect(document._aws.CloudWatchMetrics[0]?.Dimensions[0]).toContain('reason');
  });

  it('takes the namespace from POWERTOOLS_METRICS_NAMESPACE', () => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'SiteB');
    const documents = emfWrittenBy(() => publishPollMetrics(createMetrics(SERVICE_NAMES.poller), SUMMARY));
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(document._aws.CloudWatchMetrics[0]?.Namespace).toBe('SiteB');
  });
});
