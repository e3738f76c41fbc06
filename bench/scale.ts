import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTRUMENT_TYPES } from '../lambdas/domain/instrument-types.js';
import { MAX_PER_TYPE } from '../lambdas/simulator/options.js';
import type { RequestLogEntry } from '../local/data-api/index.js';
import { startLocalPipeline } from '../local/pipeline.js';
import type { Metric } from './metric.js';

/** Site sizes, instruments (9,000 is the simulator's largest fleet); a size beyond the fleet is reported as not run. */
const SIZES = [500, 2_000, 5_000, 9_000, 20_000] as const;
/** Seconds each size runs with polling on; `BENCH_SCALE_SECONDS` overrides (the four sizes must fit in 15 minutes). */
const DEFAULT_SECONDS = 150;
const SVG_PATH = 'bench/scale.svg';

/** One site size's figures, as bench/results.json keeps them in its `scale` section. */
export interface ScaleRow {
  readonly instruments: number;
  /** False when the simulator's fleet cannot be that large (then nothing else is set). */
  readonly run: boolean;
  readonly note?: string;
  readonly seconds?: number;
  readonly recordsPut?: number;
  readonly recordsProcessed?: number;
  /** Records the batch processor handled per second of the run. */
  readonly readingsPerSecond?: number;
  /** Records put but not yet processed, at half time and at the end. */
  readonly lagAtHalf?: number;
  readonly lagAtEnd?: number;
  /** True when the lag did not grow by more than one poll's readings over the second half. */
  readonly sustained?: boolean;
  /** CPU of the whole process (simulator, poller, emulator, embedded database, processors) per record processed. */
  readonly processCpuMsPerReading?: number;
  readonly dataApiCallsPer1000?: number;
  readonly dataApiKBPer1000?: number;
  readonly dataApiCallsByOperation?: Record<string, number>;
  /** Heap high-water mark of the one process every handler shares, MB. */
  readonly peakHeapMB?: number;
  readonly peakRssMB?: number;
}

/**
 * The local pipeline (the same handlers, the simulator's realistic data with its default
 * fault rate, 10 s polling) at several site sizes, each for a fixed time: readings per
 * second, stream lag, CPU and Data API traffic per reading, memory. The real-time path
 * (OpenSearch) is off, so its bulk requests are not in these figures.
 */
export async function benchScale(): Promise<{ metrics: Metric[]; sections: { scale: ScaleRow[] } }> {
  const seconds = Number(process.env.BENCH_SCALE_SECONDS ?? DEFAULT_SECONDS);
  if (!Number.isFinite(seconds) || seconds < 20)
    throw new Error(`BENCH_SCALE_SECONDS must be a number >= 20, got ${process.env.BENCH_SCALE_SECONDS}`);
  const rows: ScaleRow[] = [];
  for (const instruments of SIZES) {
    const perType = instruments / INSTRUMENT_TYPES.length;
    if (perType > MAX_PER_TYPE) {
      rows.push({
        instruments,
        run: false,
        note: `the simulator's fleet holds at most ${MAX_PER_TYPE * INSTRUMENT_TYPES.length} instruments (four-digit borehole numbers)`,
      });
      continue;
    }
    process.stderr.write(`bench: scale ${instruments} instruments for ${seconds} s...\n`);
    rows.push(await runSize(instruments, perType, seconds));
  }
  writeFileSync(SVG_PATH, scaleSvg(rows));
  console.log(`\n${scaleTable(rows)}\nwrote ${SVG_PATH}`);
  const metrics: Metric[] = rows
    .filter((row) => row.run)
    .flatMap((row) => [
      { name: `scale ${row.instruments} instruments: readings processed, local`, value: row.readingsPerSecond!, unit: 'readings/s' },
      { name: `scale ${row.instruments} instruments: stream lag at end, local`, value: row.lagAtEnd!, unit: 'records' },
      { name: `scale ${row.instruments} instruments: process CPU per reading, local`, value: row.processCpuMsPerReading!, unit: 'ms' },
      { name: `scale ${row.instruments} instruments: Data API calls per 1000 readings`, value: row.dataApiCallsPer1000!, unit: 'calls' },
    ]);
  return { metrics, sections: { scale: rows } };
}

async function runSize(instruments: number, perType: number, seconds: number): Promise<ScaleRow> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const traffic = { calls: 0, bytes: 0, byOperation: {} as Record<string, number> };
  let counting = false;
  const count = (entry: RequestLogEntry) => {
    if (!counting) return;
    traffic.calls += 1;
    traffic.bytes += entry.requestBytes + entry.responseBytes;
    traffic.byOperation[entry.operation] = (traffic.byOperation[entry.operation] ?? 0) + 1;
  };
  const pipeline = await startLocalPipeline({
    dataDir: dir,
    simulatorPort: 0,
    kinesisPort: 0,
    dataApiPort: 0,
    psqlPort: 0,
    apiPort: 0,
    consolePort: 0,
    instrumentsPerType: perType,
    pollIntervalSeconds: 10,
    persistStream: false,
    realtime: 'off',
    onDataApiRequest: count,
  });
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    peakRss = Math.max(peakRss, usage.rss);
  };
  const sampler = setInterval(sample, 500);
  try {
    counting = true;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    pipeline.run();
    await sleep((seconds * 1000) / 2);
    const half = await pipeline.summary();
    await sleep((seconds * 1000) / 2);
    const end = await pipeline.summary();
    const elapsed = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    counting = false;
    sample();
    const processed = Math.max(end.recordsProcessed, 1);
    const lagAtHalf = half.recordsPut - half.recordsProcessed;
    const lagAtEnd = end.recordsPut - end.recordsProcessed;
    return {
      instruments,
      run: true,
      seconds: Math.round(elapsed),
      recordsPut: end.recordsPut,
      recordsProcessed: end.recordsProcessed,
      readingsPerSecond: Math.round(end.recordsProcessed / elapsed),
      lagAtHalf,
      lagAtEnd,
      sustained: lagAtEnd <= lagAtHalf + instruments,
      processCpuMsPerReading: round((cpu.user + cpu.system) / 1000 / processed, 4),
      dataApiCallsPer1000: round((traffic.calls * 1000) / processed, 2),
      dataApiKBPer1000: round((traffic.bytes * 1000) / processed / 1024, 1),
      dataApiCallsByOperation: traffic.byOperation,
      peakHeapMB: Math.round(peakHeap / 2 ** 20),
      peakRssMB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    clearInterval(sampler);
    await pipeline.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The per-size table in Markdown, as README's benchmark section shows it. */
export function scaleTable(rows: readonly ScaleRow[]): string {
  const header =
    '| instruments | readings/s processed | lag at half / end (records) | sustained | process CPU ms/reading | Data API calls / 1000 readings | Data API KB / 1000 readings | peak heap / RSS (MB) |';
  const lines = rows.map((row) =>
    row.run
      ? `| ${row.instruments} | ${row.readingsPerSecond} | ${row.lagAtHalf} / ${row.lagAtEnd} | ${row.sustained ? 'yes' : 'NO (lag growing)'} | ${row.processCpuMsPerReading} | ${row.dataApiCallsPer1000} | ${row.dataApiKBPer1000} | ${row.peakHeapMB} / ${row.peakRssMB} |`
      : `| ${row.instruments} | not run: ${row.note} | | | | | | |`,
  );
  return [header, `|${'---|'.repeat(8)}`, ...lines].join('\n');
}

/** Cost per reading against site size: process CPU ms per reading and Data API calls per reading, one panel each. */
export function scaleSvg(rows: readonly ScaleRow[]): string {
  const run = rows.filter((row) => row.run);
  const panels = [
    { title: 'process CPU ms per reading', values: run.map((row) => row.processCpuMsPerReading!) },
    { title: 'Data API calls per reading', values: run.map((row) => row.dataApiCallsPer1000! / 1000) },
  ];
  const width = 360;
  const height = 240;
  const margin = { left: 60, right: 20, top: 30, bottom: 40 };
  const maxSize = Math.max(...run.map((row) => row.instruments), 1);
  const parts = panels.map((panel, index) => {
    const maxValue = Math.max(...panel.values, Number.EPSILON);
    const x = (size: number) => margin.left + (size / maxSize) * (width - margin.left - margin.right);
    const y = (value: number) => height - margin.bottom - (value / maxValue) * (height - margin.top - margin.bottom);
    const points = run.map((row, i) => `${x(row.instruments).toFixed(1)},${y(panel.values[i]!).toFixed(1)}`);
    const dots = run
      .map(
        (row, i) =>
          `<circle cx="${x(row.instruments).toFixed(1)}" cy="${y(panel.values[i]!).toFixed(1)}" r="3"/><text x="${x(row.instruments).toFixed(1)}" y="${(height - margin.bottom + 14).toFixed(1)}" text-anchor="middle">${row.instruments}</text><text x="${(x(row.instruments) + 4).toFixed(1)}" y="${(y(panel.values[i]!) - 6).toFixed(1)}">${format(panel.values[i]!)}</text>`,
      )
      .join('');
    return `<g transform="translate(${index * width},0)"><text x="${width / 2}" y="18" text-anchor="middle" font-weight="bold">${panel.title}</text><line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/><line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="black"/><text x="${width / 2}" y="${height - 8}" text-anchor="middle">instruments</text><polyline fill="none" stroke="steelblue" stroke-width="2" points="${points.join(' ')}"/>${dots}</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width * panels.length}" height="${height}" font-family="sans-serif" font-size="11">${parts.join('')}</svg>\n`;
}

function format(value: number): string {
  return value >= 1 ? value.toFixed(2) : value.toPrecision(2);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
