import { parseArgs } from 'node:util';
import { CSV_HEADER } from '../../lambdas/domain/manual-readings-csv.js';
import { MAX_MANUAL_READINGS } from '../../lambdas/domain/manual-readings.js';
import { AlarmsUsageError, CONNECTION_HELP, CONNECTION_OPTIONS, connectionOf, type Connection } from '../alarms-cli/options.js';

/** `npm run import -- <readings.csv> [options]`: what was asked for, checked. */

export const IMPORT_HELP = `usage: npm run import -- <readings.csv> [options]

Sends a CSV of manual readings to the API (POST /readings), which checks every row as it
checks polled readings and puts the accepted ones on the reading stream; prints how many
were accepted and each rejected row with its reason. The first line is the header
${CSV_HEADER} (note may be left out); times carry Z or an offset; at most
${MAX_MANUAL_READINGS} readings a file.

options:
${CONNECTION_HELP}
  --json                       print the API's answer as it is instead of a table
  -h, --help                   this text

exit status: 0 every reading accepted, 3 some rows rejected, 1 the upload failed, 2 a usage error`;

/** A command line that cannot be run; the message says what to change. */
export class ImportUsageError extends Error {
  override readonly name = 'ImportUsageError';
}

export interface ImportOptions extends Connection {
  /** The CSV file to send. */
  readonly file: string;
  readonly json: boolean;
}

/** Parses the command line; `help` for -h or no file. Throws {@link ImportUsageError}. */
export function parseImportArguments(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ImportOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new ImportUsageError((error as Error).message, { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return 'help';
  if (positionals.length > 1) throw new ImportUsageError(`give one CSV file (got ${positionals.join(' ')})`);
  let connection: Connection;
  try {
    connection = connectionOf(values, env);
  } catch (error) {
    if (error instanceof AlarmsUsageError) throw new ImportUsageError(error.message, { cause: error });
    throw error;
  }
  return { ...connection, file: positionals[0]!, json: values.json ?? false };
}
