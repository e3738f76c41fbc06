import { describe, expect, it } from 'vitest';
import { EventStreamSerde, eventStreamSerdeProvider, resolveEventStreamSerdeConfig } from '../../lambdas/shared/event-streams-unbundled.js';

const NOT_BUNDLED = /event-stream operations are not bundled into this function/;

describe('the event-stream codec left out of deployed bundles', () => {
  it('lets a client configure itself as before', () => {
    const config = resolveEventStreamSerdeConfig({ region: 'us-east-1', eventStreamSerdeProvider });
    expect(config.region).toBe('us-east-1');
    expect(config.eventStreamMarshaller).toBe(eventStreamSerdeProvider());
  });

  it('fails any event-stream operation, saying the codec was left out and where', () => {
    const marshaller = eventStreamSerdeProvider();
    expect(() => marshaller.serialize()).toThrow(NOT_BUNDLED);
    expect(() => marshaller.deserialize()).toThrow(NOT_BUNDLED);
    expect(() => new EventStreamSerde()).toThrow(/lib\/constructs\/lambda-bundling\.ts/);
  });
});
