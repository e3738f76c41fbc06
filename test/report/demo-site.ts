import type { SqlDatabase } from '../../lambdas/db/sql-client.js';
import type { InstrumentType } from '../../lambdas/domain/instrument-types.js';
import { quantise } from '../../lambdas/domain/reading.js';
import { windowStartOf } from '../../lambdas/domain/window-aggregate.js';
import type { WindowKey } from '../../lambdas/domain/window-accumulator.js';
import { AuroraBatchStore } from '../../lambdas/batch/aurora-store.js';
import type { SourcedReading } from '../../lambdas/shared/tumbling-window.js';

/**
 * A two-day site of thirteen instruments read every five minutes, written through the
 * batch store's real write path: smooth daily cycles, a piezometer that climbs through
 * alert and alarm and recovers, a settlement marker that settles into alarm, a strain
 * gauge that goes silent after the first day, standpipes with their own levels, and an
 * extensometer without a surveyed position. For the report's rendering and browser tests.
 */
export const DEMO_SITE = {
  days: 2,
  readingIntervalSeconds: 300,
  windowSeconds: 10,
  silentGauge: 'SG-402',
  unplotted: 'EX-303',
} as const;

interface DemoInstrument {
  readonly id: string;
  readonly type: InstrumentType;
  readonly easting: number | null;
  readonly northing: number | null;
  readonly surfaceLevel?: number;
  /** The value at a fraction 0..1 of the two days. */
  readonly value: (t: number) => number;
  /** Last fraction of the period it reports at. Default 1. */
  readonly until?: number;
}

const daily = (t: number, amplitude: number, phase = 0) => amplitude * Math.sin(2 * Math.PI * (2 * t + phase));
const bump = (t: number, centre: number, width: number, height: number) => height * Math.exp(-(((t - centre) / width) ** 2));

const INSTRUMENTS: readonly DemoInstrument[] = [
  { id: 'PZ-101', type: 'piezometer', easting: 320040, northing: 5812210, value: (t) => 112 + daily(t, 6) },
  { id: 'PZ-102', type: 'piezometer', easting: 320180, northing: 5812150, value: (t) => 121 + daily(t, 5, 0.2) + 8 * t },
  { id: 'PZ-103', type: 'piezometer', easting: 320260, northing: 5812020, value: (t) => 118 + daily(t, 4, 0.4) + bump(t, 0.7, 0.08, 66) },
  { id: 'PZ-104', type: 'piezometer', easting: 320110, northing: 5811930, value: (t) => 96 + daily(t, 3, 0.1) },
  { id: 'SM-201', type: 'settlement_marker', easting: 320070, northing: 5812090, value: (t) => -1.5 - 4 * t + daily(t, 0.3) },
  { id: 'SM-202', type: 'settlement_marker', easting: 320200, northing: 5811990, value: (t) => -3 - 14.5 * t ** 1.5 + daily(t, 0.4, 0.3) },
  { id: 'SM-203', type: 'settlement_marker', easting: 320320, northing: 5812130, value: (t) => -0.8 - 2 * t + daily(t, 0.2, 0.6) },
  { id: 'EX-301', type: 'extensometer', easting: 320150, northing: 5812060, value: (t) => 2.5 + daily(t, 1.5) },
  { id: 'EX-302', type: 'extensometer', easting: 320290, northing: 5811900, value: (t) => -1.2 + daily(t, 1.1, 0.5) },
  { id: 'EX-303', type: 'extensometer', easting: null, northing: null, value: (t) => 4 + daily(t, 0.8, 0.25) },
  { id: 'SG-401', type: 'strain_gauge', easting: 320010, northing: 5811980, value: (t) => 420 + daily(t, 180) + 300 * t },
  { id: 'SG-402', type: 'strain_gauge', easting: 320240, northing: 5812240, value: (t) => -260 + daily(t, 120, 0.5), until: 0.5 },
  { id: 'WS-501', type: 'water_standpipe', easting: 320120, northing: 5812260, surfaceLevel: 52.4, value: (t) => 47.1 + daily(t, 0.35) },
  {
    id: 'WS-502',
    type: 'water_standpipe',
    easting: 320330,
    northing: 5811960,
    surfaceLevel: 49.8,
    value: (t) => 45.2 + 2.1 * t + daily(t, 0.2, 0.4),
  },
];

/** The two days the demo site covers, ending at the last whole reading interval before `end`. */
export function demoSitePeriod(end: number): { from: number; to: number } {
  const step = DEMO_SITE.readingIntervalSeconds * 1000;
  const to = Math.floor(end / step) * step;
  return { from: to - DEMO_SITE.days * 86_400_000, to };
}

/** The demo site's readings over its period, in event-time order per instrument. */
export function demoSiteReadings(period: { from: number; to: number }): SourcedReading[] {
  const readings: SourcedReading[] = [];
  const step = DEMO_SITE.readingIntervalSeconds * 1000;
  const span = period.to - period.from;
  let sequence = 0;
  for (const instrument of INSTRUMENTS) {
    for (let observedAt = period.from; observedAt < period.to; observedAt += step) {
      const t = (observedAt - period.from) / span;
      if (t > (instrument.until ?? 1)) break;
      readings.push({
        reading: {
          instrumentId: instrument.id,
          type: instrument.type,
          value: quantise(instrument.value(t)),
          observedAt,
          surfaceLevel: instrument.surfaceLevel ?? null,
          easting: instrument.easting,
          northing: instrument.northing,
        },
        shardId: 'shardId-000000000000',
        sequenceNumber: String((sequence += 1)).padStart(20, '0'),
        arrivedAt: observedAt + 500,
      });
    }
  }
  return readings;
}

/**
 * Writes the demo site over the two days before `end` (default now), evaluates every
 * window, and sets the expected polling interval to its reading interval. Returns the period.
 */
export async function writeDemoSite(db: SqlDatabase, end = Date.now()): Promise<{ from: number; to: number }> {
  const period = demoSitePeriod(end);
  const store = new AuroraBatchStore(db, DEMO_SITE.windowSeconds);
  const readings = demoSiteReadings(period);
  await store.writeBatch(readings, []);
  const windows = new Map<string, WindowKey>();
  for (const { reading: r } of readings) {
    const windowStart = windowStartOf(r.observedAt, DEMO_SITE.windowSeconds * 1000);
    windows.set(`${r.instrumentId}@${windowStart}`, { instrumentId: r.instrumentId, windowStart });
  }
  await store.finaliseWindows([...windows.values()], 'shardId-000000000000', period.to + 3_600_000);
  await db.execute('UPDATE report_settings SET poll_interval_seconds = :interval', { interval: DEMO_SITE.readingIntervalSeconds });
  return period;
}
