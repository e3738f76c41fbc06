/**
 * `npm run alarms`: list, show and acknowledge alarms and print the response plan, through
 * the alarm API (the local one `npm start` serves, or a deployed stage's). See `--help`.
 */
import { AlarmApiError } from '../local/alarms-cli/api-client.js';
import { connect, SignInError } from '../local/alarms-cli/connect.js';
import { formatAcknowledgement, formatAlarmDetail, formatAlarmList, formatResponsePlans } from '../local/alarms-cli/format.js';
import { ALARMS_HELP, AlarmsUsageError, parseAlarmsArguments, type AlarmsOptions } from '../local/alarms-cli/options.js';

// The CLI runs on Node.js 20; the AWS SDK's notice about its future Node.js 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function run(options: AlarmsOptions): Promise<string> {
  const api = await connect(options);
  const { command } = options;
  const print = (answer: unknown, table: () => string) => (options.json ? JSON.stringify(answer, null, 2) : table());
  switch (command.name) {
    case 'list': {
      const list = await api.listAlarms(command.query);
      return print(list, () => formatAlarmList(list));
    }
    case 'show': {
      const detail = await api.getAlarm(command.alarmId);
      return print(detail, () => formatAlarmDetail(detail));
    }
    case 'ack': {
      const answer = await api.acknowledge(command.alarmId, {
        note: command.note,
        ...(command.response === undefined ? {} : { response: command.response }),
      });
      return print(answer, () => formatAcknowledgement(answer));
    }
    case 'plans': {
      const plans = await api.responsePlans();
      return print(plans, () => formatResponsePlans(plans));
    }
  }
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseAlarmsArguments(argv);
  } catch (error) {
    if (error instanceof AlarmsUsageError) {
      console.error(`alarms: ${error.message}\n\n${ALARMS_HELP}`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    console.log(ALARMS_HELP);
    return 0;
  }
  try {
    console.log(await run(options));
    return 0;
  } catch (error) {
    if (error instanceof AlarmApiError || error instanceof SignInError) {
      const hint =
        error instanceof AlarmApiError && error.status === undefined && options.target.kind === 'local'
          ? '\n(is `npm start` running? It serves the alarm API; --api-url points elsewhere, --stage <env> at a deployed stage)'
          : '';
      console.error(`alarms: ${error.message}${hint}`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('alarms failed:', error);
    process.exit(1);
  },
);
