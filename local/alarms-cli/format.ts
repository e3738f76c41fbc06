import type {
  AcknowledgeResponse,
  AcknowledgementView,
  AlarmDetailResponse,
  AlarmListResponse,
  ResponsePlanRuleView,
  ResponsePlansResponse,
} from '../../lambdas/api/views.js';
import { formatMeasure } from '../../lambdas/domain/alarm-messages.js';

/** The CLI's tables and blocks: what an engineer reads at a glance, times on the site's clock. */

/** Columns padded to their widest cell, two spaces apart, a rule under the header. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** `2026-11-22T19:30:40+11:00` -> `2026-11-22 19:30:40`: the site's wall clock (the zone is named once, in the header). */
export function siteClock(siteIso: string | null): string {
  if (siteIso === null) return '';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(siteIso);
  return match ? `${match[1]} ${match[2]}` : siteIso;
}

const upper = (level: string) => level.toUpperCase();

function acknowledgementCell(alarm: AlarmListResponse['alarms'][number]): string {
  if (alarm.pending) {
    return `${alarm.pending.overdue ? 'OVERDUE' : 'needed'}: ${upper(alarm.pending.level)} by ${siteClock(alarm.pending.acknowledgeBySite)}`;
  }
  if (alarm.lastAcknowledgement) return `${upper(alarm.lastAcknowledgement.level)} by ${alarm.lastAcknowledgement.byName}`;
  return '';
}

export function formatAlarmList(list: AlarmListResponse): string {
  if (list.alarms.length === 0) return 'No alarms match.';
  const rows = list.alarms.map((alarm) => [
    alarm.alarmId,
    alarm.instrumentType,
    alarm.state,
    upper(alarm.level),
    upper(alarm.peakLevel),
    siteClock(alarm.openedAtSite),
    siteClock(alarm.clearedAtSite),
    acknowledgementCell(alarm),
  ]);
  const table = textTable(['ALARM', 'TYPE', 'STATE', 'LEVEL', 'PEAK', `OPENED (${list.siteTimeZone})`, 'CLEARED', 'ACKNOWLEDGEMENT'], rows);
  const more = list.nextCursor === null ? '' : `\nMore alarms: add --cursor ${list.nextCursor}`;
  return `${table}\n${list.alarms.length} alarm(s)${more}`;
}

function acknowledgementLine(ack: AcknowledgementView): string {
  const response = ack.response ? `; response: ${ack.response}` : '';
  return `${siteClock(ack.atSite)}  ${upper(ack.level)} by ${ack.byName}: ${ack.note || '(no note)'}${response}`;
}

function number(value: number | null, unit = ''): string {
  if (value === null) return '';
  const text = formatMeasure(value);
  return unit ? `${text} ${unit}` : text;
}

export function formatAlarmDetail(detail: AlarmDetailResponse): string {
  const { alarm, siteTimeZone } = detail;
  const plan = alarm.responsePlan;
  const lines = [
    `${alarm.alarmId}`,
    `  instrument     ${alarm.instrumentId} (${alarm.instrumentType}, ${alarm.unit})`,
    `  state          ${alarm.state}, level ${upper(alarm.level)}, peak ${upper(alarm.peakLevel)}`,
    `  opened         ${siteClock(alarm.openedAtSite)} ${siteTimeZone} (window start; found ${alarm.foundAt})`,
    ...(alarm.clearedAtSite ? [`  cleared        ${siteClock(alarm.clearedAtSite)} ${siteTimeZone}`] : []),
    alarm.pending
      ? `  acknowledge    ${upper(alarm.pending.level)} ${alarm.pending.overdue ? 'OVERDUE since' : 'by'} ${siteClock(alarm.pending.acknowledgeBySite)}`
      : `  acknowledge    nothing waiting`,
    `  response plan  ${upper(plan.level)} (${plan.source}): ${plan.response}; within ${plan.limitMinutes} min${plan.noteRequired ? ', note required' : ''}`,
  ];
  if (alarm.escalation) {
    const next = alarm.escalation.nextTier
      ? `tier ${alarm.escalation.nextTier.tier} at ${siteClock(alarm.escalation.nextTier.dueAtSite)}`
      : 'every tier notified';
    const reminder = alarm.escalation.nextReminderAtSite ? `, next reminder ${siteClock(alarm.escalation.nextReminderAtSite)}` : '';
    lines.push(`  escalation     ${next} (of ${alarm.escalation.tiers} tiers)${reminder}`);
  }
  lines.push('', 'History');
  lines.push(
    textTable(
      ['WINDOW START', 'STEP', 'CHANGE', 'MEAN', 'FROM BASELINE', 'RATE/DAY', 'CAUSE', 'LATE'],
      alarm.history.map((step) => [
        siteClock(step.windowStartSite),
        step.kind,
        `${step.from} -> ${step.to}`,
        number(step.mean, step.unit),
        number(step.change, step.unit),
        number(step.ratePerDay),
        step.cause ?? '',
        step.late ? 'late' : '',
      ]),
    ),
  );
  lines.push('', 'Acknowledgements');
  lines.push(...(alarm.acknowledgements.length === 0 ? ['  none'] : alarm.acknowledgements.map((ack) => `  ${acknowledgementLine(ack)}`)));
  lines.push('', 'Notifications');
  lines.push(
    alarm.notifications.length === 0
      ? '  none'
      : textTable(
          ['DUE (UTC)', 'KIND', 'TIER', 'LEVEL', 'STATE', 'CHANNEL', 'DETAIL'],
          alarm.notifications.map((n) => [
            n.dueAt,
            n.kind,
            String(n.tier),
            upper(n.level),
            n.state,
            n.channel ?? '',
            n.error ?? n.messageId ?? '',
          ]),
        ),
  );
  lines.push('', 'Audit');
  lines.push(
    alarm.audit.length === 0
      ? '  none'
      : textTable(
          ['AT (UTC)', 'ACTOR', 'ACTION', 'DETAIL'],
          alarm.audit.map((entry) => [entry.at, entry.actor, entry.action, JSON.stringify(entry.detail)]),
        ),
  );
  return lines.join('\n');
}

export function formatAcknowledgement(answer: AcknowledgeResponse): string {
  const ack = answer.acknowledgement;
  const head =
    answer.outcome === 'acknowledged'
      ? `Acknowledged ${answer.alarm.alarmId} at ${upper(ack.level)} (${siteClock(ack.atSite)} ${answer.siteTimeZone}).`
      : `Nothing was waiting: ${answer.alarm.alarmId} is already acknowledged at ${upper(ack.level)} (by ${ack.byName}, ${siteClock(ack.atSite)} ${answer.siteTimeZone}).`;
  return `${head}\n  ${acknowledgementLine(ack)}`;
}

function scopeText(rule: ResponsePlanRuleView): string {
  const scope = rule.scope;
  return scope.kind === 'default'
    ? 'site default'
    : scope.kind === 'type'
      ? `type ${scope.instrumentType}`
      : `instrument ${scope.instrumentId}`;
}

export function formatResponsePlans(plans: ResponsePlansResponse): string {
  const entryRow = (scope: string, level: string, entry: ResponsePlanRuleView['entry']) => [
    scope,
    upper(level),
    `${entry.limitMinutes} min`,
    entry.noteRequired ? 'yes' : 'no',
    entry.response,
  ];
  const header = ['SCOPE', 'LEVEL', 'WITHIN', 'NOTE', 'RESPONSE'];
  const stored =
    plans.rules.length === 0
      ? 'Stored rules: none (the built-in defaults apply everywhere)'
      : `Stored rules (an instrument's rule wins over its type's, a type's over the site default)\n${textTable(
          header,
          plans.rules.map((rule) => entryRow(scopeText(rule), rule.level, rule.entry)),
        )}`;
  const defaults = textTable(
    header,
    Object.entries(plans.defaults).map(([level, entry]) => entryRow('built-in', level, entry)),
  );
  return `${stored}\n\nBuilt-in defaults (where no rule applies)\n${defaults}`;
}
