import { parseArgs } from 'node:util';
import { INSTRUMENT_TYPES } from '../../lambdas/domain/instrument-types.js';
import { ALARM_LEVELS } from '../../lambdas/domain/alarms.js';
import { STAGE_NAME } from '../../lib/config/stack-name.js';
import { DEFAULT_USERS_FILE } from '../api/sign-in.js';

/** `npm run alarms -- <command> [options]`: what was asked for, checked. */

export const DEFAULT_API_URL = 'http://127.0.0.1:8072';
export const DEFAULT_LOCAL_USER = 'engineer';

/** How every command line of the API finds it and signs in: the options' help lines. */
export const CONNECTION_HELP = `  --api-url <url>              the API (default ${DEFAULT_API_URL}, the one npm start serves)
  --user <name>                who signs in (default ${DEFAULT_LOCAL_USER}); locally one of the users file
  --password <password>        their password (or ALARMS_PASSWORD); locally default: the users file's
  --users-file <file>          the local users file the default password is read from (default ${DEFAULT_USERS_FILE})
  --stage <env>                a deployed stage: the API and the sign-in from the outputs of stack GeotechMonitoring-<env>,
                               sign-in through Cognito (needs AWS credentials that may read the stack)
  --region <region>            the stage's Region (default: the AWS SDK's, from AWS_REGION or the profile)
  --mfa-code <code>            the authenticator app's code, when the user pool asks for one`;

/** The options behind {@link CONNECTION_HELP}, for `parseArgs`. */
export const CONNECTION_OPTIONS = {
  'api-url': { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  'users-file': { type: 'string' },
  stage: { type: 'string' },
  region: { type: 'string' },
  'mfa-code': { type: 'string' },
} as const;

export const ALARMS_HELP = `usage: npm run alarms -- <command> [options]

commands:
  list                         alarms, newest first
    --open | --cleared           only open (or cleared) alarms
    --level alert|alarm|action   only alarms at this level
    --type <instrument type>     only this type (${INSTRUMENT_TYPES.join(', ')})
    --instrument <id>            only this instrument's alarms
    --from <when>, --to <when>   in force at some time in this period: an ISO date-time with offset, or a date (a day of the site)
    --limit <n>                  alarms per page (default 50, at most 200)
    --cursor <cursor>            the page after the one that printed it
  show <alarm id>              one alarm: its history, response plan, escalation, acknowledgements, notifications, audit
  ack <alarm id> --note "..."  acknowledge it (engineers), with what was found or done
    --response "..."             the response taken
  plans                        the response plan: the stored rules and the built-in defaults

options:
${CONNECTION_HELP}
  --json                       print the API's JSON as it is instead of tables
  -h, --help                   this text`;

/** A command line that cannot be run; the message says what to change. */
export class AlarmsUsageError extends Error {
  override readonly name = 'AlarmsUsageError';
}

export type AlarmsCommand =
  | {
      readonly name: 'list';
      readonly query: Readonly<Record<string, string>>;
    }
  | { readonly name: 'show'; readonly alarmId: string }
  | { readonly name: 'ack'; readonly alarmId: string; readonly note: string; readonly response: string | undefined }
  | { readonly name: 'plans' };

/** Where the API is and how to sign in to it. */
export type AlarmsTarget =
  | { readonly kind: 'local'; readonly apiUrl: string; readonly usersFile: string }
  | { readonly kind: 'stage'; readonly env: string; readonly region: string | undefined; readonly mfaCode: string | undefined };

export interface AlarmsOptions {
  readonly command: AlarmsCommand;
  readonly target: AlarmsTarget;
  readonly user: string;
  readonly password: string | undefined;
  readonly json: boolean;
}

/** Parses the command line; `help` for -h or no command. Throws {@link AlarmsUsageError}. */
export function parseAlarmsArguments(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): AlarmsOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        open: { type: 'boolean' },
        cleared: { type: 'boolean' },
        level: { type: 'string' },
        type: { type: 'string' },
        instrument: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
        note: { type: 'string' },
        response: { type: 'string' },
        ...CONNECTION_OPTIONS,
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new AlarmsUsageError((error as Error).message, { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return 'help';
  const [name, ...rest] = positionals as [string, ...string[]];
  const command = parseCommand(name, rest, values);
  return { command, ...connectionOf(values, env), json: values.json ?? false };
}

/** Where the API is and who signs in to it. */
export type Connection = Pick<AlarmsOptions, 'target' | 'user' | 'password'>;

/**
 * The connection the values of {@link CONNECTION_OPTIONS} ask for (the local API by default,
 * or a deployed stage). Throws {@link AlarmsUsageError} for a combination that cannot work.
 */
export function connectionOf(
  values: { readonly [K in keyof typeof CONNECTION_OPTIONS]?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Connection {
  if (values.stage !== undefined && values['api-url'] !== undefined) {
    throw new AlarmsUsageError('--stage finds the API itself; give --stage or --api-url, not both');
  }
  const target: AlarmsTarget =
    values.stage === undefined
      ? { kind: 'local', apiUrl: apiUrl(values['api-url'] ?? DEFAULT_API_URL), usersFile: values['users-file'] ?? DEFAULT_USERS_FILE }
      : { kind: 'stage', env: stageName(values.stage), region: values.region, mfaCode: values['mfa-code'] };
  if (target.kind === 'local' && (values.region !== undefined || values['mfa-code'] !== undefined)) {
    throw new AlarmsUsageError('--region and --mfa-code are for a deployed stage; add --stage <env>');
  }
  if (target.kind === 'stage' && values.user === undefined) {
    throw new AlarmsUsageError('--stage needs --user (the e-mail you sign in to the user pool with)');
  }
  return { target, user: values.user ?? DEFAULT_LOCAL_USER, password: values.password ?? nonBlank(env.ALARMS_PASSWORD) };
}

type Values = Record<string, string | boolean | undefined>;

function parseCommand(name: string, rest: readonly string[], values: Values): AlarmsCommand {
  const only = (allowed: readonly string[]) => {
    const given = Object.keys(values).filter((key) => COMMAND_OPTIONS.includes(key) && values[key] !== undefined);
    const wrong = given.filter((key) => !allowed.includes(key));
    if (wrong.length > 0) throw new AlarmsUsageError(`${name} does not take ${wrong.map((key) => `--${key}`).join(', ')}`);
  };
  const oneId = () => {
    if (rest.length !== 1)
      throw new AlarmsUsageError(`${name} takes one alarm id (got ${rest.length === 0 ? 'none' : rest.join(' ')}); list shows them`);
    return rest[0]!;
  };
  switch (name) {
    case 'list': {
      only(['open', 'cleared', 'level', 'type', 'instrument', 'from', 'to', 'limit', 'cursor']);
      if (rest.length > 0) throw new AlarmsUsageError(`list takes no alarm id (got ${rest.join(' ')}); show <id> prints one`);
      if (values.open && values.cleared) throw new AlarmsUsageError('give --open or --cleared, not both');
      if (typeof values.level === 'string' && !(ALARM_LEVELS as readonly string[]).includes(values.level)) {
        throw new AlarmsUsageError(`--level must be one of ${ALARM_LEVELS.join(', ')} (got ${values.level})`);
      }
      if (typeof values.type === 'string' && !(INSTRUMENT_TYPES as readonly string[]).includes(values.type)) {
        throw new AlarmsUsageError(`--type must be one of ${INSTRUMENT_TYPES.join(', ')} (got ${values.type})`);
      }
      const query: Record<string, string> = {};
      if (values.open) query.state = 'open';
      if (values.cleared) query.state = 'cleared';
      for (const key of ['level', 'type', 'instrument', 'from', 'to', 'limit', 'cursor'] as const) {
        if (typeof values[key] === 'string') query[key] = values[key];
      }
      return { name, query };
    }
    case 'show':
      only([]);
      return { name, alarmId: oneId() };
    case 'ack': {
      only(['note', 'response']);
      const alarmId = oneId();
      if (typeof values.note !== 'string')
        throw new AlarmsUsageError('ack needs --note "..." (what was found or done; "" where the plan needs none)');
      return { name, alarmId, note: values.note, response: typeof values.response === 'string' ? values.response : undefined };
    }
    case 'plans':
      only([]);
      if (rest.length > 0) throw new AlarmsUsageError(`plans takes no arguments (got ${rest.join(' ')})`);
      return { name };
    default:
      throw new AlarmsUsageError(`unknown command ${name}; the commands are list, show, ack, plans`);
  }
}

const COMMAND_OPTIONS = ['open', 'cleared', 'level', 'type', 'instrument', 'from', 'to', 'limit', 'cursor', 'note', 'response'];

function apiUrl(text: string): string {
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new AlarmsUsageError(`--api-url must be an http or https URL such as ${DEFAULT_API_URL} (got ${text})`);
  }
  return text.replace(/\/+$/, '');
}

function stageName(text: string): string {
  if (!STAGE_NAME.test(text)) {
    throw new AlarmsUsageError(`--stage must be a stage name such as dev or prod: lowercase letters, digits and hyphens (got ${text})`);
  }
  return text;
}

function nonBlank(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
