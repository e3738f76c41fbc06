-- Progress of the stream consumers on sources without Lambda tumbling windows (Kafka / MSK):
-- event-time window completion is judged from the records themselves, per topic-partition
-- (lambdas/domain/partition-watermark.ts).
--
-- stream_partition_progress holds each consumer's watermark on each topic-partition: the
-- latest reading time stored from it, never moved back. stream_pending_windows holds the
-- (instrument, event window) pairs touched on the partition and not yet closed, so that an
-- invocation that ends, fails or is retried loses none; a window is removed once it is
-- closed. window_seconds is the window length a pending row was kept at, so a change of
-- window length re-keys it rather than dropping it.

CREATE TABLE stream_partition_progress (
  consumer        text NOT NULL,
  topic_partition text NOT NULL,
  watermark       timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, topic_partition)
);

CREATE TABLE stream_pending_windows (
  consumer        text NOT NULL,
  topic_partition text NOT NULL,
  instrument_id   text NOT NULL,
  window_start    timestamptz NOT NULL,
  window_seconds  integer NOT NULL CHECK (window_seconds > 0),
  PRIMARY KEY (consumer, topic_partition, instrument_id, window_start, window_seconds)
);
