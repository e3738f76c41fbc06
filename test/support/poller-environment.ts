import type { KinesisLocal } from '../../local/kinesis-local.js';
import type { RunningSimulator } from '../../local/simulator-server.js';

/** The environment the stack gives the poller, pointed at a local simulator and kinesis-local. */
export function pollerEnvironment(kinesis: KinesisLocal, simulator: RunningSimulator): Record<string, string> {
  return {
    STREAM_NAME: kinesis.streamName,
    SOURCE_BASE_URL: simulator.url,
    REQUEST_TIMEOUT_MS: '1000',
    // Nothing is quarantined from a fault-free simulator; an unreachable queue would show if it were.
    QUARANTINE_QUEUE_URL: 'http://127.0.0.1:9/000000000000/quarantine',
    AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
    AWS_REGION: kinesis.region,
  };
}
