import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distributionCacheRoot, findCachedDistribution, openSearchMajorFor, parseJavaMajor } from '../../local/opensearch/distribution.js';
import { resolveLocalOpenSearch } from '../../local/opensearch/server.js';

describe('local OpenSearch distribution', () => {
  it('reads the Java feature version from `java -version`, old and new styles', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('java version "1.8.0_402"')).toBe(8);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('command not found')).toBeNull();
  });

  it('picks OpenSearch 3 only from Java 21, 2.x from Java 11, nothing below', () => {
    expect([8, 11, 17, 21, 25].map(openSearchMajorFor)).toEqual([null, 2, 2, 3, 3]);
  });

  it('caches under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(distributionCacheRoot({ XDG_CACHE_HOME: '/var/cache/ci' })).toBe('/var/cache/ci/geotech-pipeline/opensearch');
    expect(distributionCacheRoot({})).toMatch(/\.cache\/geotech-pipeline\/opensearch$/);
  });

  it('uses OPENSEARCH_URL as it is, and is off with the reason when nothing is cached', async () => {
    await expect(resolveLocalOpenSearch({ env: { OPENSEARCH_URL: 'http://127.0.0.1:9200/' } })).resolves.toMatchObject({
      url: 'http://127.0.0.1:9200',
      source: 'env',
    });
    const empty = mkdtempSync(join(tmpdir(), 'geotech-empty-cache-'));
    try {
      expect(findCachedDistribution({ env: { XDG_CACHE_HOME: empty } })).toBeNull();
      const resolved = await resolveLocalOpenSearch({ env: { XDG_CACHE_HOME: empty } });
      expect(resolved).toEqual({ off: true, reason: expect.stringMatching(/opensearch-dist\.ts fetch|needs Java/) });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
