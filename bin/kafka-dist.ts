import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fetchKafka, findCachedKafka, FETCH_COMMAND, kafkaClassPath, requireCachedKafka } from '../local/kafka/distribution.js';
import { startKafka } from '../local/kafka/server.js';

/**
 * The Apache Kafka broker used by the tests and `npm start -- --stream kafka`.
 *
 *   npx tsx bin/kafka-dist.ts fetch                       copy Kafka's jars with Maven into the cache
 *   npx tsx bin/kafka-dist.ts path                        print the cached distribution's folder
 *   npx tsx bin/kafka-dist.ts start [--port n] [--data-dir d]
 *                                                         run a single-node KRaft broker until interrupted
 *   npx tsx bin/kafka-dist.ts console-consumer --topic t [--bootstrap-server host:port] [--from-beginning] [--property k=v ...]
 *                                                         Kafka's own console consumer, from the cached jars
 *
 * KAFKA_VERSION pins a version; GEOTECH_KAFKA_CACHE (or XDG_CACHE_HOME) moves the cache.
 */
const USAGE = `usage: npx tsx bin/kafka-dist.ts fetch|path|start [--port n] [--data-dir dir]|console-consumer --topic t [--bootstrap-server 127.0.0.1:9092] [--from-beginning] [other console-consumer options]`;

async function main(argv: readonly string[]): Promise<number> {
  const log = (message: string): void => console.error(message);
  const [command, ...rest] = argv;
  switch (command) {
    case 'fetch':
      console.log(fetchKafka({ log }).home);
      return 0;
    case 'path': {
      const distribution = findCachedKafka();
      if (!distribution) {
        console.error(`no Apache Kafka in the cache: run \`${FETCH_COMMAND}\``);
        return 1;
      }
      console.log(distribution.home);
      return 0;
    }
    case 'start': {
      const { values } = parseArgs({ args: [...rest], options: { port: { type: 'string' }, 'data-dir': { type: 'string' } } });
      const port = values.port === undefined ? 0 : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a port number (got ${values.port})`);
      const server = await startKafka({ port, portOption: '--port', ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), log });
      console.log(server.bootstrapServers);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.stop();
      return 0;
    }
    case 'console-consumer':
      return consoleConsumer(rest);
    default:
      console.error(USAGE);
      return 2;
  }
}

/** Runs `org.apache.kafka.tools.consumer.ConsoleConsumer` with the arguments given (bootstrap default: the local runtime's broker). */
function consoleConsumer(args: readonly string[]): Promise<number> {
  const distribution = requireCachedKafka();
  const withBootstrap = args.includes('--bootstrap-server') ? args : ['--bootstrap-server', '127.0.0.1:9092', ...args];
  const child = spawn('java', ['-cp', kafkaClassPath(distribution), 'org.apache.kafka.tools.consumer.ConsoleConsumer', ...withBootstrap], {
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
