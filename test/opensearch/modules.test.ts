import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARD_MODULES, hasModule, installDashboardModules } from '../../local/opensearch/modules.js';
import { missingPrerequisites } from '../../local/opensearch/distribution.js';
import { describeWithOpenSearch, testClient } from './support.js';

const VERSION = '2.19.6';
const geo = DASHBOARD_MODULES.filter((spec) => spec.name === 'geo');

describe.skipIf(missingPrerequisites().some((what) => what.startsWith('Maven')))('module install into a cached distribution', () => {
  const home = mkdtempSync(join(tmpdir(), 'geotech-dist-'));
  mkdirSync(join(home, 'modules'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('adds a module the distribution lacks, once', () => {
    expect(hasModule(home, 'geo', VERSION)).toBe(false);
    expect(installDashboardModules({ home, version: VERSION, modules: geo })).toEqual(['geo']);
    expect(readdirSync(join(home, 'modules', 'geo')).sort()).toEqual([`geo-${VERSION}.jar`, 'plugin-descriptor.properties']);
    const descriptor = readFileSync(join(home, 'modules', 'geo', 'plugin-descriptor.properties'), 'utf8');
    expect(descriptor).toContain('classname=org.opensearch.geo.GeoModulePlugin');
    expect(descriptor).toContain(`opensearch.version=${VERSION}`);
    expect(installDashboardModules({ home, version: VERSION, modules: geo })).toEqual([]);
    // Nothing is left beside the distribution.
    expect(readdirSync(join(home, '..')).filter((name) => name.startsWith('.module-geo-'))).toEqual([]);
  });

  it('replaces a module built for another OpenSearch version', () => {
    writeFileSync(join(home, 'modules', 'geo', 'plugin-descriptor.properties'), 'name=geo\nopensearch.version=2.19.1\n');
    writeFileSync(join(home, 'modules', 'geo', 'geo-2.19.1.jar'), '');
    expect(hasModule(home, 'geo', VERSION)).toBe(false);
    expect(installDashboardModules({ home, version: VERSION, modules: geo })).toEqual(['geo']);
    expect(existsSync(join(home, 'modules', 'geo', 'geo-2.19.1.jar'))).toBe(false);
    expect(hasModule(home, 'geo', VERSION)).toBe(true);
  });
});

describeWithOpenSearch('the OpenSearch the tests run', () => {
  it('runs the modules the Dashboards panels need', async () => {
    const client = testClient();
    try {
      const response = await client.nodes.info({ metric: ['plugins'] });
      const nodes = Object.values(response.body.nodes as Record<string, { modules: Array<{ name: string }> }>);
      const modules = nodes.flatMap((node) => node.modules.map((m) => m.name));
      for (const spec of DASHBOARD_MODULES) expect(modules).toContain(spec.name);
    } finally {
      await client.close();
    }
  });
});
