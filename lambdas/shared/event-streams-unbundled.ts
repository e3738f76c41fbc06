/**
 * Stands in for `@smithy/core/event-streams` when the stack bundles a Lambda function (see
 * `lib/constructs/lambda-bundling.ts`).
 *
 * The AWS SDK loads its event-stream codec with a dynamic import that a single-file bundle
 * cannot defer, and the Kinesis client wires it in at construction, so every bundle would
 * carry about 15 KB for operations that stream events (Kinesis SubscribeToShard and the
 * like), which none of these functions calls. Clients still construct as before; an
 * event-stream operation fails with the error below instead of running.
 */

const NOT_BUNDLED =
  'event-stream operations are not bundled into this function (see lib/constructs/lambda-bundling.ts); remove the @smithy/core/event-streams alias to use one';

function notBundled(): never {
  throw new Error(NOT_BUNDLED);
}

/** The marshaller a client would use for event streams: every use fails, saying why. */
const unavailableMarshaller = Object.freeze({
  serialize: notBundled,
  deserialize: notBundled,
});

export function eventStreamSerdeProvider(): typeof unavailableMarshaller {
  return unavailableMarshaller;
}

export function resolveEventStreamSerdeConfig<T extends object>(input: T): T & { eventStreamMarshaller: typeof unavailableMarshaller } {
  return Object.assign(input, { eventStreamMarshaller: unavailableMarshaller });
}

export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}
