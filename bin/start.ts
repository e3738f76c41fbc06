/**
 * `npm start`: the whole pipeline on this machine, on embedded services. See `--help`.
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_PIPELINE_OPTIONS,
  LOCAL_STREAM_KINDS,
  type LocalStreamKind,
  startLocalPipeline,
  type LocalPipeline,
  type LocalPipelineOptions,
  type PipelineSummary,
} from '../local/pipeline.js';
import { formatMeasure } from '../lambdas/domain/alarm-messages.js';
import { timeZoneProblem } from '../lambdas/domain/site-time.js';
import { windowSecondsProblem } from '../lambdas/domain/window-rules.js';
import { DEFAULT_SOURCE_PATHS } from '../lambdas/domain/source-api.js';
import { HISTORY_MODES, type HistoryMode } from '../lambdas/poller/config.js';
import { describeProbe } from '../lambdas/poller/probe.js';
import { DEFAULT_ESCALATION_POLICY } from '../lambdas/domain/escalation.js';
import { readContactsFile } from '../local/escalation-contacts.js';
import { readResponsePlansFile } from '../local/response-plans-file.js';
import { DEFAULT_USERS_FILE } from '../local/api/sign-in.js';
import type { EndpointFailure } from '../lambdas/poller/source-client.js';

const HELP = `usage: npm start [-- options]

Runs the pipeline locally: the source-API simulator, kinesis-local with the stream,
embedded PostgreSQL (PGlite) behind a local RDS Data API endpoint, the poller on its
schedule, and the batch and real-time processors each behind its own local event source
mapping with tumbling windows (the real-time one when OpenSearch is available), the
escalation function on a timer, and the alarm API with a local sign-in stand-in.
Ctrl-C stops cleanly; starting again resumes from the checkpoint in the data directory,
with nothing lost or counted twice, even after the process was killed outright.

options:
  --duration <s>               run for this many seconds, drain the stream, print a JSON summary and exit
  --data-dir <dir>             where the database, stream and checkpoints live (default ${DEFAULT_PIPELINE_OPTIONS.dataDir});
                               one process at a time: a second start on it is refused
  --simulator-port <n>         source-API simulator (default ${DEFAULT_PIPELINE_OPTIONS.simulatorPort})
  --kinesis-port <n>           Kinesis emulator, plain HTTP (default ${DEFAULT_PIPELINE_OPTIONS.kinesisPort})
  --stream kinesis|kafka       the stream: kinesis-local (default), or a real Apache Kafka broker as MSK is in AWS
                               (fetch it once with \`npx tsx bin/kafka-dist.ts fetch\`; the topic has --shards partitions)
  --kafka-port <n>             the Kafka broker's port with --stream kafka (default ${DEFAULT_PIPELINE_OPTIONS.kafkaPort})
  --data-api-port <n>          local RDS Data API endpoint (default ${DEFAULT_PIPELINE_OPTIONS.dataApiPort})
  --psql-port <n>              embedded database over the PostgreSQL protocol (default ${DEFAULT_PIPELINE_OPTIONS.psqlPort})
  --api-port <n>               the alarm and read API (npm run alarms and npm run import talk to it; default ${DEFAULT_PIPELINE_OPTIONS.apiPort})
  --users-file <file.json>     users, passwords and groups of the alarm API's local sign-in (default ${DEFAULT_USERS_FILE})
  --console-port <n>           the site console, open it in a browser (default ${DEFAULT_PIPELINE_OPTIONS.consolePort})
  --source-url <url>           poll this instrument API instead of starting the simulator (its history mode when it has one)
  --source-paths <a,b,...>     paths polled beneath the source (default ${DEFAULT_SOURCE_PATHS.join(',')})
  --history auto|on|off        the poller's history mode: auto uses it where the source has it (default auto)
  --seed <text>                simulator seed (default ${DEFAULT_PIPELINE_OPTIONS.seed})
  --instruments-per-type <n>   simulator fleet size per type (default: 50 to 150, from the seed)
  --fault-rate <0..1>          rate of each simulator fault (default ${DEFAULT_PIPELINE_OPTIONS.faultRate})
  --poll-interval <s>          seconds between polls (default ${DEFAULT_PIPELINE_OPTIONS.pollIntervalSeconds})
  --window <s>                 event-time averaging window (default ${DEFAULT_PIPELINE_OPTIONS.windowSeconds})
  --tumbling-window <s>        Lambda tumbling window of the event source mapping (default ${DEFAULT_PIPELINE_OPTIONS.tumblingWindowSeconds})
  --shards <n>                 shards of a new stream (default ${DEFAULT_PIPELINE_OPTIONS.shards})
  --retry-attempts <n>         retries of a failing batch before it goes to failed-batches.jsonl for
                               \`npm run redrive\` (default: retried until it succeeds)
  --site-time-zone <IANA>      the site's time zone, written to report_settings: report days are its local days
                               (default ${DEFAULT_PIPELINE_OPTIONS.siteTimeZone})
  --realtime auto|off          the real-time path into OpenSearch: auto uses OPENSEARCH_URL, else starts the
                               cached distribution (npx tsx bin/opensearch-dist.ts fetch), else runs without it (default auto)
  --escalation-interval <s>    how often the escalation function runs (default ${DEFAULT_PIPELINE_OPTIONS.escalationIntervalSeconds}; every minute in AWS);
                               every tier's notifications go to <data dir>/outbox.jsonl
  --escalation-tiers <n>       tiers of contacts an unacknowledged alarm escalates through, 1..5 (default ${DEFAULT_ESCALATION_POLICY.tiers})
  --reminder-interval <min>    minutes between reminders while unacknowledged, 0 for none (default ${DEFAULT_ESCALATION_POLICY.reminderIntervalMinutes})
  --contacts <file.json>       who each tier's notifications would go to, written with each outbox line:
                               [{ "tier": 1, "levels": ["alert", "alarm", "action"], "to": "oncall@example.com" }, ...]
  --response-plans <file.json> response plan rules to write at start (the full list, as PUT /response-plans takes it)
  -h, --help                   this text`;

const PROGRESS_EVERY_MS = 5_000;

// The local runtime runs on Node.js 20; the AWS SDK's notice about its future Node.js 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function numberOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
  rule: string,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new UsageError(`--${name} must be ${rule} (got ${String(raw)})`);
  return value;
}

class UsageError extends Error {}

/** `--window`: the domain's window rule, the same one the deployed functions apply to WINDOW_SECONDS. */
function windowSecondsOption(raw: unknown, fallback: number): number {
  if (raw === undefined) return fallback;
  const seconds = Number(raw);
  const problem = windowSecondsProblem(seconds);
  if (problem) throw new UsageError(`--window ${problem} (got ${String(raw)})`);
  return seconds;
}

/** `--site-time-zone`: an IANA name by the domain's rule, the one the deployment's siteTimeZone follows. */
function siteTimeZoneOption(raw: string | undefined, fallback: string): string {
  if (raw === undefined) return fallback;
  const problem = timeZoneProblem(raw);
  if (problem) throw new UsageError(`--site-time-zone ${problem} (got ${raw})`);
  return raw;
}

function realtimeMode(value: string | undefined): 'auto' | 'off' {
  if (value === undefined || value === 'auto' || value === 'off') return value ?? 'auto';
  throw new UsageError(`--realtime must be auto or off (got ${value})`);
}

interface ParsedOptions {
  readonly options: Partial<LocalPipelineOptions>;
  readonly durationSeconds: number | undefined;
  readonly contactsFile: string | undefined;
  readonly responsePlansFile: string | undefined;
}

function streamKind(value: string | undefined): LocalStreamKind {
  if (value === undefined) return 'kinesis';
  if ((LOCAL_STREAM_KINDS as readonly string[]).includes(value)) return value as LocalStreamKind;
  throw new UsageError(`--stream must be ${LOCAL_STREAM_KINDS.join(' or ')} (got ${value})`);
}

function readOptions(argv: string[]): ParsedOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      'data-dir': { type: 'string' },
      'simulator-port': { type: 'string' },
      'kinesis-port': { type: 'string' },
      stream: { type: 'string' },
      'kafka-port': { type: 'string' },
      'data-api-port': { type: 'string' },
      'psql-port': { type: 'string' },
      'api-port': { type: 'string' },
      'console-port': { type: 'string' },
      'users-file': { type: 'string' },
      seed: { type: 'string' },
      'instruments-per-type': { type: 'string' },
      'fault-rate': { type: 'string' },
      'poll-interval': { type: 'string' },
      window: { type: 'string' },
      'tumbling-window': { type: 'string' },
      shards: { type: 'string' },
      'retry-attempts': { type: 'string' },
      'site-time-zone': { type: 'string' },
      realtime: { type: 'string' },
      'source-url': { type: 'string' },
      'source-paths': { type: 'string' },
      history: { type: 'string' },
      'escalation-interval': { type: 'string' },
      'escalation-tiers': { type: 'string' },
      'reminder-interval': { type: 'string' },
      contacts: { type: 'string' },
      'response-plans': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const d = DEFAULT_PIPELINE_OPTIONS;
  const port = (name: string, fallback: number) =>
    numberOption(values, name, fallback, (n) => Number.isInteger(n) && n >= 0 && n <= 65_535, 'a port number 0..65535');
  const positive = (name: string, fallback: number) => numberOption(values, name, fallback, (n) => n > 0, 'a positive number');
  const whole = (name: string, fallback: number, max: number) =>
    numberOption(values, name, fallback, (n) => Number.isInteger(n) && n >= 1 && n <= max, `a whole number 1..${max}`);
  const durationSeconds = values.duration === undefined ? undefined : positive('duration', 0);
  const instruments = values['instruments-per-type'] === undefined ? undefined : whole('instruments-per-type', 0, 1999);
  const tiers = numberOption(
    values,
    'escalation-tiers',
    DEFAULT_ESCALATION_POLICY.tiers,
    (n) => Number.isInteger(n) && n >= 1 && n <= 5,
    'a whole number 1..5',
  );
  const reminders = numberOption(
    values,
    'reminder-interval',
    DEFAULT_ESCALATION_POLICY.reminderIntervalMinutes,
    (n) => Number.isInteger(n) && n >= 0 && n <= 1440,
    'a whole number of minutes 0..1440',
  );
  return {
    durationSeconds,
    contactsFile: values.contacts,
    responsePlansFile: values['response-plans'],
    options: {
      dataDir: values['data-dir'] ?? d.dataDir,
      simulatorPort: port('simulator-port', d.simulatorPort),
      kinesisPort: port('kinesis-port', d.kinesisPort),
      stream: streamKind(values.stream),
      kafkaPort: port('kafka-port', d.kafkaPort),
      dataApiPort: port('data-api-port', d.dataApiPort),
      psqlPort: port('psql-port', d.psqlPort),
      apiPort: port('api-port', d.apiPort),
      consolePort: port('console-port', d.consolePort),
      ...(values['users-file'] === undefined ? {} : { usersFile: values['users-file'] }),
      seed: values.seed ?? d.seed,
      ...(instruments ? { instrumentsPerType: instruments } : {}),
      faultRate: numberOption(values, 'fault-rate', d.faultRate, (n) => n >= 0 && n <= 1, 'a rate from 0 to 1'),
      pollIntervalSeconds: positive('poll-interval', d.pollIntervalSeconds),
      windowSeconds: windowSecondsOption(values.window, d.windowSeconds),
      tumblingWindowSeconds: whole('tumbling-window', d.tumblingWindowSeconds, 900),
      shards: whole('shards', d.shards, 50),
      ...(values['retry-attempts'] === undefined
        ? {}
        : {
            retryAttempts: numberOption(
              values,
              'retry-attempts',
              0,
              (n) => Number.isInteger(n) && n >= 0 && n <= 10_000,
              'a whole number 0..10000',
            ),
          }),
      siteTimeZone: siteTimeZoneOption(values['site-time-zone'], d.siteTimeZone),
      realtime: realtimeMode(values.realtime),
      ...sourceOptions(values['source-url'], values['source-paths']),
      historyMode: historyMode(values.history),
      escalationIntervalSeconds: positive('escalation-interval', d.escalationIntervalSeconds),
      escalationPolicy: { tiers, reminderIntervalMinutes: reminders },
    },
  };
}

function historyMode(value: string | undefined): HistoryMode {
  if (value === undefined) return 'auto';
  if ((HISTORY_MODES as readonly string[]).includes(value)) return value as HistoryMode;
  throw new UsageError(`--history must be one of ${HISTORY_MODES.join(', ')} (got ${value})`);
}

function sourceOptions(url: string | undefined, paths: string | undefined): Pick<LocalPipelineOptions, 'sourceUrl' | 'sourcePaths'> {
  if (url === undefined) {
    if (paths !== undefined) throw new UsageError('--source-paths needs --source-url (the simulator serves the known paths)');
    return {};
  }
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new UsageError(`--source-url must be an http or https URL such as https://api.example.com/v1 (got ${url})`);
  }
  if (paths === undefined) return { sourceUrl: url };
  const list = paths.split(',').map((path) => path.trim());
  if (list.some((path) => path === ''))
    throw new UsageError(`--source-paths has an empty entry (got ${paths}); separate paths with single commas`);
  return { sourceUrl: url, sourcePaths: list };
}

/** The endpoints that failed in the latest poll, for the progress line. */
function failureNote(failures: readonly EndpointFailure[]): string {
  if (failures.length === 0) return '';
  const [first] = failures;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  return ` | source failing: ${first!.path} ${first!.kind}: ${first!.message.slice(0, 160)}${more}`;
}

function progressLine(
  summary: PipelineSummary,
  elapsedSeconds: number,
  ratePerSecond: number,
  failures: readonly EndpointFailure[],
): string {
  const reasons = Object.entries(summary.rejectedByReason)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  const clock = `${String(Math.floor(elapsedSeconds / 60)).padStart(2, '0')}:${String(Math.floor(elapsedSeconds % 60)).padStart(2, '0')}`;
  return (
    `[${clock}] ${ratePerSecond.toFixed(1)} readings/s | polled ${summary.readingsPolled} ` +
    `(accepted ${summary.readingsAccepted}, rejected ${summary.readingsRejected}${reasons ? `: ${reasons}` : ''}) | ` +
    `put ${summary.recordsPut} | processed ${summary.recordsProcessed} | windows ${summary.windowsWritten} | alerts ${summary.alertsRaised}` +
    ` | alarms opened ${summary.alarms.opened} | notifications ${summary.alarms.notificationsSent}` +
    (summary.realtimeRecordsProcessed > 0 ? ` | real-time ${summary.realtimeRecordsProcessed}` : '') +
    (summary.invocationErrors > 0 ? ` | retried invocations ${summary.invocationErrors}` : '') +
    (summary.failedBatches > 0 ? ` | failed batches ${summary.failedBatches}` : '') +
    failureNote(failures)
  );
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof readOptions>;
  try {
    parsed = readOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`npm start: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(HELP);
    return 0;
  }
  const { durationSeconds } = parsed;
  let options: Partial<LocalPipelineOptions>;
  try {
    options = {
      ...parsed.options,
      ...(parsed.contactsFile ? { contacts: await readContactsFile(parsed.contactsFile) } : {}),
      ...(parsed.responsePlansFile ? { responsePlans: await readResponsePlansFile(parsed.responsePlansFile) } : {}),
    };
  } catch (error) {
    console.error(`npm start: ${(error as Error).message}`);
    return 2;
  }
  console.log('Starting the local pipeline (simulator, kinesis-local, embedded PostgreSQL, processors; OpenSearch if available)...');
  let pipeline: LocalPipeline;
  try {
    pipeline = await startLocalPipeline(options);
  } catch (error) {
    console.error(`npm start: ${(error as Error).message}`);
    return 1;
  }
  console.log(
    pipeline.simulator
      ? `  source API simulator   ${pipeline.sourceUrl}/params/all`
      : `  source API             ${pipeline.sourceUrl} (paths ${pipeline.sourcePaths.join(', ')})`,
  );
  console.log(
    pipeline.stream.kind === 'kafka'
      ? `  Apache Kafka (KRaft)   ${pipeline.stream.bootstrapServers}  topic ${pipeline.streamName} ` +
          `(read it: npx tsx bin/kafka-dist.ts console-consumer --bootstrap-server ${pipeline.stream.bootstrapServers} --topic ${pipeline.streamName} --from-beginning)`
      : `  Kinesis (kinesis-local) ${pipeline.kinesisEndpoint}  stream ${pipeline.streamName}`,
  );
  console.log(`  RDS Data API endpoint  ${pipeline.dataApiUrl}`);
  console.log(`  PostgreSQL (psql)      ${pipeline.psqlCommand}`);
  console.log(`  data directory         ${pipeline.dataDir}`);
  console.log(`  site time zone         ${pipeline.siteTimeZone} (report days are its local days)`);
  console.log(`  notification outbox    ${pipeline.outboxPath} (every escalation tier)`);
  console.log(
    `  site console           ${pipeline.console.url}/  (open in a browser; sign in as engineer or viewer` +
      `${pipeline.console.built ? `; bundle built at start: ${pipeline.console.buildReason}` : ''})`,
  );
  console.log(
    `  alarm API              ${pipeline.alarmApi.url}  (npm run alarms -- list, npm run import -- readings.csv; sign-in stand-in, users in ${pipeline.alarmApi.usersFile}: ` +
      `${pipeline.alarmApi.users.map((user) => `${user.username} (${user.groups.join(', ')})`).join(', ')})`,
  );
  console.log(
    pipeline.realtimeSink.on
      ? `  OpenSearch (real-time) ${pipeline.realtimeSink.url}${pipeline.realtimeSink.source === 'started' ? ' (started from the cached distribution)' : ''}`
      : `  real-time sink         off: ${pipeline.realtimeSink.reason}`,
  );
  const probes = await pipeline.probe();
  console.log('Source check (one request per path):');
  for (const probe of probes) console.log(`  ${describeProbe(probe)}`);
  if (probes.every((probe) => 'failure' in probe)) {
    console.log('  No path answered with readings: the pipeline runs and keeps polling; the progress line shows why polls fail.');
  }
  console.log(durationSeconds ? `Running for ${durationSeconds} s.` : 'Running. Ctrl-C to stop.');

  const started = Date.now();
  let lastAccepted = 0;
  let lastAt = started;
  const report = async () => {
    const summary = await pipeline.summary();
    const now = Date.now();
    const rate = ((summary.readingsAccepted - lastAccepted) * 1000) / Math.max(1, now - lastAt);
    lastAccepted = summary.readingsAccepted;
    lastAt = now;
    for (const alert of await pipeline.newAlerts()) {
      console.log(
        `  ALERT ${alert.instrumentId} (${alert.instrumentType}) ${alert.from} -> ${alert.to}, window mean ${formatMeasure(alert.mean)} at ${alert.windowStart}`,
      );
    }
    for (const notification of pipeline.newNotifications()) {
      console.log(`  NOTIFY tier ${notification.tier} ${notification.kind}: ${notification.subject}`);
    }
    console.log(progressLine(summary, (now - started) / 1000, rate, pipeline.lastEndpointFailures()));
  };
  const progress = setInterval(
    () => void report().catch((error: unknown) => console.error(`progress: ${(error as Error).message}`)),
    PROGRESS_EVERY_MS,
  );

  pipeline.run();
  const stopRequested = new Promise<'signal'>((resolve) => {
    let signals = 0;
    const onSignal = () => {
      signals += 1;
      if (signals > 1) {
        console.error('Stopping immediately; the checkpoint holds what was done.');
        process.exit(130);
      }
      console.log('\nStopping (Ctrl-C again to force)...');
      resolve('signal');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const timeUp = durationSeconds
    ? new Promise<'time'>((resolve) => setTimeout(() => resolve('time'), durationSeconds * 1000))
    : new Promise<never>(() => undefined);
  const why = await Promise.race([stopRequested, timeUp]);
  clearInterval(progress);

  if (why === 'time') {
    console.log('Time is up: stopping the poller and draining the stream...');
    await pipeline.drain();
  }
  await report();
  const summary = await pipeline.summary();
  await pipeline.close();
  console.log(JSON.stringify(summary));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm start failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
