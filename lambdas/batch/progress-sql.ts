/**
 * SQL of the stream consumers' per-partition progress (migration 0009): the watermark,
 * which only ever moves forward, and the pending windows, added and removed idempotently.
 */

export const SELECT_WATERMARK = `
SELECT (extract(epoch FROM watermark) * 1000)::float8 AS watermark_ms
FROM stream_partition_progress WHERE consumer = :consumer AND topic_partition = :topic_partition`;

export const SELECT_PENDING_WINDOWS = `
SELECT instrument_id, (extract(epoch FROM window_start) * 1000)::float8 AS window_start_ms, window_seconds
FROM stream_pending_windows WHERE consumer = :consumer AND topic_partition = :topic_partition
ORDER BY window_start, instrument_id`;

export const ADVANCE_WATERMARK = `
INSERT INTO stream_partition_progress AS p (consumer, topic_partition, watermark)
VALUES (:consumer, :topic_partition, :watermark::timestamptz)
ON CONFLICT (consumer, topic_partition) DO UPDATE SET
  watermark = GREATEST(p.watermark, EXCLUDED.watermark),
  updated_at = CASE WHEN EXCLUDED.watermark > p.watermark THEN now() ELSE p.updated_at END`;

export const INSERT_PENDING_WINDOWS = `
INSERT INTO stream_pending_windows (consumer, topic_partition, instrument_id, window_start, window_seconds)
SELECT :consumer, :topic_partition, k.instrument_id, k.window_start, :window_seconds
FROM jsonb_to_recordset(:windows::jsonb) AS k(instrument_id text, window_start timestamptz)
ON CONFLICT DO NOTHING`;

/** Rows kept at another window length: re-keyed onto the current one by the caller, then dropped. */
export const DELETE_OTHER_LENGTH_WINDOWS = `
DELETE FROM stream_pending_windows
WHERE consumer = :consumer AND topic_partition = :topic_partition AND window_seconds <> :window_seconds`;

export const DELETE_PENDING_WINDOWS = `
DELETE FROM stream_pending_windows p
USING jsonb_to_recordset(:windows::jsonb) AS k(instrument_id text, window_start timestamptz)
WHERE p.consumer = :consumer AND p.topic_partition = :topic_partition AND p.window_seconds = :window_seconds
  AND p.instrument_id = k.instrument_id AND p.window_start = k.window_start`;
