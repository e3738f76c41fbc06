import { MAX_PAGE_SIZE, type AlarmStore } from '../alarms/alarm-store.js';
import { needsAcknowledgement } from '../domain/alarms.js';
import type { OpenAlarm } from './read-routes.js';

/** Every open alarm (at most one an instrument), as the instrument list shows it: read page by page from the alarm store. */
export async function openAlarmsOf(store: Pick<AlarmStore, 'listAlarms'>): Promise<OpenAlarm[]> {
  const open: OpenAlarm[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listAlarms({ state: 'open' }, { cursor, limit: MAX_PAGE_SIZE });
    for (const alarm of page.alarms)
      open.push({
        instrumentId: alarm.instrumentId,
        alarmId: alarm.alarmId,
        level: alarm.level,
        needsAcknowledgement: needsAcknowledgement(alarm),
      });
    cursor = page.nextCursor;
  } while (cursor !== null);
  return open;
}
