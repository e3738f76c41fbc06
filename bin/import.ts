/**
 * `npm run import -- readings.csv`: manual readings from a CSV through the API (the local one
 * `npm start` serves, or a deployed stage's). See `--help`.
 */
import { readFile } from 'node:fs/promises';
import { AlarmApiError } from '../local/alarms-cli/api-client.js';
import { signIn, SignInError } from '../local/alarms-cli/connect.js';
import { IMPORT_HELP, ImportUsageError, parseImportArguments, type ImportOptions } from '../local/import-cli/options.js';
import { formatUpload, uploadReadings } from '../local/import-cli/upload.js';

// The CLI runs on Node.js 20; the AWS SDK's notice about its future Node.js 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Some rows were rejected: the upload went through, but not every reading is in. */
const SOME_REJECTED = 3;

async function run(options: ImportOptions): Promise<number> {
  let csv: string;
  try {
    csv = await readFile(options.file, 'utf8');
  } catch (error) {
    console.error(`import: cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return 1;
  }
  const { apiUrl, token } = await signIn(options);
  const answer = await uploadReadings(apiUrl, token, csv);
  console.log(options.json ? JSON.stringify(answer, null, 2) : formatUpload(options.file, answer));
  return answer.rejected.length > 0 ? SOME_REJECTED : 0;
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseImportArguments(argv);
  } catch (error) {
    if (error instanceof ImportUsageError) {
      console.error(`import: ${error.message}\n\n${IMPORT_HELP}`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    console.log(IMPORT_HELP);
    return 0;
  }
  try {
    return await run(options);
  } catch (error) {
    if (error instanceof AlarmApiError || error instanceof SignInError) {
      const hint =
        error instanceof AlarmApiError && error.status === undefined && options.target.kind === 'local'
          ? '\n(is `npm start` running? It serves the API; --api-url points elsewhere, --stage <env> at a deployed stage)'
          : '';
      console.error(`import: ${error.message}${hint}`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('import failed:', error);
    process.exit(1);
  },
);
