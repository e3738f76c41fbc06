import { fetchDistribution, findCachedDistribution } from '../local/opensearch/distribution.js';
import { startOpenSearch } from '../local/opensearch/server.js';

/**
 * The OpenSearch integration-test distribution used by the tests and the local runtime.
 *
 *   npx tsx bin/opensearch-dist.ts fetch   resolve it with Maven and unpack it into the cache
 *   npx tsx bin/opensearch-dist.ts path    print the cached distribution's folder
 *   npx tsx bin/opensearch-dist.ts start   run a throwaway single-node server until interrupted
 *
 * OPENSEARCH_VERSION pins a version; XDG_CACHE_HOME moves the cache.
 */
const USAGE = 'usage: npx tsx bin/opensearch-dist.ts fetch|path|start';

async function main(command: string | undefined): Promise<number> {
  const log = (message: string): void => console.error(message);
  switch (command) {
    case 'fetch': {
      const distribution = fetchDistribution({ log });
      console.log(distribution.home);
      return 0;
    }
    case 'path': {
      const distribution = findCachedDistribution();
      if (!distribution) {
        console.error('no OpenSearch distribution in the cache: run `npx tsx bin/opensearch-dist.ts fetch`');
        return 1;
      }
      console.log(distribution.home);
      return 0;
    }
    case 'start': {
      const server = await startOpenSearch({ log });
      console.log(server.url);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.stop();
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
