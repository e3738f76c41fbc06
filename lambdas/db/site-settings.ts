import * as z from 'zod/mini';
import { timeZoneProblem } from '../domain/site-time.js';
import { parseEnvironment, unsetWhenBlank, type Environment } from '../shared/environment.js';
import type { SqlSession } from './sql-client.js';

/**
 * The deployment's site settings in the batch store: the site time zone the report views
 * cut days in (`report_settings.site_time_zone`, migration 0003). The migration custom
 * resource is given the zone as its `SiteTimeZone` property (the `siteTimeZone` setting)
 * and writes it after the migrations on every Create and Update; locally `npm start`
 * writes its `--site-time-zone`. Writing the zone the row already has changes nothing.
 */

export interface SiteSettings {
  /** IANA name; undefined leaves the row as it is. */
  readonly siteTimeZone?: string;
}

/** An IANA time zone name by the domain's rule. */
export const timeZoneName = () =>
  z.string().check(
    z.check((ctx) => {
      const problem = timeZoneProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
    }),
  );

const PropertiesSchema = z.object({ SiteTimeZone: unsetWhenBlank(z.optional(timeZoneName())) });

/**
 * The site settings among the custom resource's properties (strings, as CloudFormation
 * sends them); a {@link ConfigError} naming the property and its value when one is invalid.
 */
export function siteSettingsFromProperties(properties: Environment): SiteSettings {
  const { SiteTimeZone } = parseEnvironment(PropertiesSchema, properties, 'schema migration resource properties');
  return SiteTimeZone === undefined ? {} : { siteTimeZone: SiteTimeZone };
}

/**
 * Writes the site settings into `report_settings`. Returns whether the row changed. The
 * database refuses a zone PostgreSQL does not know (the row's trigger), naming it.
 */
export async function applySiteSettings(db: SqlSession, settings: SiteSettings): Promise<boolean> {
  if (settings.siteTimeZone === undefined) return false;
  const changed = await db.execute('UPDATE report_settings SET site_time_zone = :zone WHERE site_time_zone IS DISTINCT FROM :zone', {
    zone: settings.siteTimeZone,
  });
  if (changed > 0) return true;
  const [row] = await db.query<{ rows: number | string }>('SELECT count(*) AS rows FROM report_settings');
  if (!row || Number(row.rows) === 0) {
    throw new Error('report_settings has no row to set the site time zone in: restore it with INSERT INTO report_settings DEFAULT VALUES');
  }
  return false;
}
