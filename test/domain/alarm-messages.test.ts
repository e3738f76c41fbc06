import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatNotification, MAX_SMS_LENGTH, MAX_SUBJECT_LENGTH } from '../../lambdas/domain/alarm-messages.js';
import { acknowledge, applyChange, type Alarm } from '../../lambdas/domain/alarms.js';
import { DEFAULT_ESCALATION_POLICY, dueNotifications, type DueNotification } from '../../lambdas/domain/escalation.js';
import { planOf } from '../../lambdas/domain/response-plans.js';
import { confirmedChange, MINUTE, SECOND, T0 } from '../support/alarm-changes.js';

const options = { siteTimeZone: 'Australia/Melbourne', acknowledgeUrl: 'https://alarms.example.com/' };
const plan = planOf([], 'piezometer', 'P-101');
const URL = 'https://alarms.example.com/alarms/P-101%402026-03-04T15%3A00%3A00.000Z';

/** Opened at Alarm in the window 02:00:00 AEDT on 5 March 2026, Action in the window 02:04:00 (found 02:04:15). */
function atAction(): Alarm {
  const opened = applyChange(null, confirmedChange({ at: T0, from: 'normal', to: 'alarm' })).alarm!;
  return applyChange(opened, confirmedChange({ at: T0 + 4 * MINUTE, from: 'alarm', to: 'action' })).alarm!;
}

function due(alarm: Alarm, now: number, kind: DueNotification['kind'], tier = 1): DueNotification {
  const found = dueNotifications(alarm, plan, DEFAULT_ESCALATION_POLICY, new Set(), now).find((n) => n.kind === kind && n.tier === tier);
  if (!found) throw new Error(`no ${kind} notification for tier ${tier}`);
  return found;
}

describe('notification text', () => {
  it('says what happened, the reading, the site time, the plan, the time left and where to acknowledge', () => {
    const alarm = atAction();
    const foundAt = T0 + 4 * MINUTE + 15 * SECOND;
    const text = formatNotification(due(alarm, foundAt, 'escalated'), alarm, plan, { ...options, now: foundAt });
    expect(text.subject).toBe('ACTION at P-101 (piezometer), up from ALARM: 172.4 kPa (+72.4 kPa from baseline)');
    expect(text.body).toBe(
      [
        'ACTION at P-101 (piezometer), up from ALARM.',
        'Reading: pore water pressure, window mean 172.4 kPa, on its rise',
        'Time: 2026-03-05 02:04:00 UTC+11:00 (Australia/Melbourne)',
        'Change from baseline: +72.4 kPa (baseline 100 kPa, initial)',
        'Trigger levels: alert 30, alarm 50, action 70 kPa',
        '',
        'Response plan for ACTION (default plan): Stop the works affecting the instrument; make the area safe; notify the designer',
        'Acknowledge within 15 min, by 2026-03-05 02:19:15 UTC+11:00 (15 min left). ACTION was reached at 2026-03-05 02:04:15 UTC+11:00. A note is required.',
        `Acknowledge at ${URL}`,
        '  or: npm run alarms -- ack P-101@2026-03-04T15:00:00.000Z --note "what was found and done"',
        '',
        'Alarm P-101@2026-03-04T15:00:00.000Z: open at ACTION, peak ACTION, opened 2026-03-05 02:00:00 UTC+11:00. Sent to tier 1.',
      ].join('\n'),
    );
    expect(text.sms).toBe(
      'ACTION at P-101 (piezometer), up from ALARM: 172.4 kPa (+72.4 kPa from baseline) at 02:04. ' +
        'Ack within 15 min, by 02:19 (15 min left): Stop the works affecting the instrument; make the area safe; notify the designer. ' +
        URL,
    );
  });

  it("reads as the README's example SMS for the Action at 04:50", () => {
    const opened = applyChange(null, confirmedChange({ at: T0, from: 'normal', to: 'alarm' })).alarm!;
    const result = acknowledge(
      opened,
      { by: 'u-1', byName: 'engineer', at: T0 + 160 * MINUTE, note: 'Seen', response: null },
      plan('alarm'),
    );
    if (result.outcome !== 'acknowledged') throw new Error(result.outcome);
    const alarm = applyChange(result.alarm, confirmedChange({ at: T0 + 170 * MINUTE, from: 'alarm', to: 'action' })).alarm!;
    const text = formatNotification(due(alarm, alarm.pending!.since, 'escalated'), alarm, plan, options);
    expect(text.sms).toBe(
      'ACTION at P-101 (piezometer), up from ALARM: 172.4 kPa (+72.4 kPa from baseline) at 04:50. Ack within 15 min, ' +
        `by 05:05 (15 min left): Stop the works affecting the instrument; make the area safe; notify the designer. ${URL}`,
    );
  });

  it('marks a tier notification overdue, with the tier in the subject', () => {
    const alarm = atAction();
    const now = T0 + 19 * MINUTE + 15 * SECOND; // 02:19:15, the 15-minute limit
    const text = formatNotification(due(alarm, now, 'tier', 2), alarm, plan, { ...options, now });
    expect(text.subject).toBe('[tier 2] ACTION at P-101 (piezometer) not acknowledged for 15 min: 172.4 kPa');
    expect(text.body).toContain('Acknowledgement OVERDUE: the limit of 15 min passed at 2026-03-05 02:19:15 UTC+11:00.');
    expect(text.body).toContain('Sent to tier 2.');
    expect(text.sms).toContain('Ack OVERDUE since 02:19: Stop the works');
  });

  it('takes the plan as a single entry too', () => {
    const alarm = atAction();
    const entry = { response: 'Evacuate the shaft', limitMinutes: 5, noteRequired: false };
    const text = formatNotification(due(alarm, alarm.foundAt, 'opened'), alarm, entry, options);
    expect(text.body).toContain('Response plan for ACTION: Evacuate the shaft');
    expect(text.body).not.toContain('A note is required');
  });

  it('reports a clear with the acknowledgement, and no plan or deadline', () => {
    let alarm = atAction();
    alarm = applyChange(alarm, confirmedChange({ at: T0 + 30 * MINUTE, from: 'action', to: 'normal' })).alarm!;
    const result = acknowledge(
      alarm,
      { by: 'u-1', byName: 'engineer', at: T0 + 31 * MINUTE, note: 'Pump restarted', response: null },
      plan('action'),
    );
    if (result.outcome !== 'acknowledged') throw new Error(result.outcome);
    const text = formatNotification(due(result.alarm, T0 + 32 * MINUTE, 'cleared'), result.alarm, plan, options);
    expect(text.subject).toBe('P-101 (piezometer) back to normal, alarm cleared (was ACTION): 110 kPa (+10 kPa from baseline)');
    expect(text.body).toContain('Acknowledged at ACTION by engineer at 2026-03-05 02:31:00 UTC+11:00: Pump restarted');
    expect(text.body).toContain('cleared 2026-03-05 02:30:00 UTC+11:00 from ACTION');
    expect(text.body).not.toContain('Response plan');
    expect(text.sms).toBe('P-101 (piezometer) back to normal, alarm cleared (was ACTION): 110 kPa (+10 kPa from baseline) at 02:30.');
  });

  it('marks a late change and dates times that are not today in the SMS', () => {
    const late = confirmedChange({ at: T0, from: 'normal', to: 'alert', foundAt: T0 + 26 * 60 * MINUTE, late: true });
    const alarm = applyChange(null, late).alarm!;
    const text = formatNotification(due(alarm, late.foundAt, 'opened'), alarm, plan, options);
    expect(text.subject.startsWith('[late] ALERT at P-101 (piezometer)')).toBe(true);
    expect(text.body).toContain('Found late: at 2026-03-06 04:00:00 UTC+11:00');
    expect(text.sms).toContain('at 2026-03-05 02:00.');
  });

  it('shows the time in winter as AEST (UTC+10:00)', () => {
    const july = Date.parse('2026-07-01T16:00:00Z'); // 02:00 AEST on 2 July
    const alarm = applyChange(null, confirmedChange({ at: july, from: 'normal', to: 'alarm' })).alarm!;
    const text = formatNotification(due(alarm, alarm.foundAt, 'opened'), alarm, plan, options);
    expect(text.body).toContain('Time: 2026-07-02 02:00:00 UTC+10:00 (Australia/Melbourne)');
  });

  it('quotes an alarm id the shell would split', () => {
    const change = confirmedChange({ instrumentId: "BH 7's tip", at: T0, from: 'normal', to: 'alarm' });
    const alarm = applyChange(null, change).alarm!;
    const text = formatNotification(due(alarm, alarm.foundAt, 'opened'), alarm, plan, options);
    expect(text.body).toContain(`npm run alarms -- ack 'BH 7'\\''s tip@2026-03-04T15:00:00.000Z' --note`);
    expect(text.body).toContain("https://alarms.example.com/alarms/BH%207's%20tip%402026-03-04T15%3A00%3A00.000Z");
  });

  it('keeps the subject under 100 characters and the SMS within 300, with the link whole', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 1000 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        (instrumentId, response, mean) => {
          const change = confirmedChange({ instrumentId, at: T0, from: 'normal', to: 'action', mean });
          const alarm = applyChange(null, change).alarm!;
          const entry = { response, limitMinutes: 15, noteRequired: true };
          for (const n of dueNotifications(alarm, () => entry, DEFAULT_ESCALATION_POLICY, new Set(), T0 + 200 * MINUTE)) {
            const text = formatNotification(n, alarm, entry, options);
            expect(text.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
            expect(text.sms.length).toBeLessThanOrEqual(MAX_SMS_LENGTH);
            const url = `${options.acknowledgeUrl}alarms/${encodeURIComponent(alarm.alarmId)}`;
            if (text.sms.length < MAX_SMS_LENGTH) expect(text.sms.endsWith(url)).toBe(true);
          }
        },
      ),
    );
  });
});
