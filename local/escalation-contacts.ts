import { readFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import type { AlarmLevel } from '../lambdas/domain/alarms.js';
import type { ContactsFor } from '../lambdas/alarms/notification-channels.js';

/**
 * Escalation contacts for the local runtime (`npm start -- --contacts <file.json>`): who each
 * tier's notifications at each level would go to. Locally nothing is delivered; every
 * notification is a line of the outbox file naming its contacts. In AWS the same is the
 * `escalationContacts` setting (subscriptions to the tier topics, filtered by level).
 *
 * ```json
 * [
 *   { "tier": 1, "levels": ["alert", "alarm", "action"], "to": "oncall@example.com" },
 *   { "tier": 2, "levels": ["alarm", "action"], "to": "+61400000000" }
 * ]
 * ```
 */
export interface EscalationContact {
  readonly tier: number;
  readonly levels: readonly AlarmLevel[];
  /** An e-mail address or an E.164 phone number. */
  readonly to: string;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;

const CONTACTS_FILE = z.array(
  z.object({
    tier: z.number().check(z.refine((n) => Number.isInteger(n) && n >= 1 && n <= 5, 'must be a whole number from 1 to 5')),
    levels: z
      .array(z.enum(['alert', 'alarm', 'action'], 'must be alert, alarm or action'))
      .check(z.minLength(1, 'must name at least one level')),
    to: z
      .string()
      .check(z.refine((to) => EMAIL.test(to) || E164.test(to), 'must be an e-mail address or an E.164 number such as +61400000000')),
  }),
);

/** Reads and checks a contacts file; the error names the file and every bad entry. */
export async function readContactsFile(path: string): Promise<EscalationContact[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`--contacts ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = CONTACTS_FILE.safeParse(value);
  if (!parsed.success)
    throw new Error(
      `--contacts ${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'} ${issue.message}`).join('; ')} ` +
        '(expected a list of { "tier": 1, "levels": ["alert", "alarm", "action"], "to": "oncall@example.com" })',
    );
  return parsed.data;
}

/** The contacts of a tier at a level. */
export function contactsFor(contacts: readonly EscalationContact[]): ContactsFor {
  return (tier, level) => contacts.filter((c) => c.tier === tier && c.levels.includes(level)).map((c) => c.to);
}
