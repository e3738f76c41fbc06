import { ApiProblem } from '../api/client.js';

/** An error as the user reads it: the API's title and detail, read out by screen readers as it appears. */
export function ProblemMessage({ error, what }: { error: Error | undefined; what?: string }) {
  if (!error) return null;
  const detail = error instanceof ApiProblem ? [error.title, error.detail].filter(Boolean).join(': ') : error.message;
  return (
    <p class="problem" role="alert">
      {what ? `${what}: ` : ''}
      {detail}
    </p>
  );
}

/** A problem's field errors that no input on the form claimed, as a list. */
export function UnclaimedFieldErrors({ error, claimed }: { error: Error | undefined; claimed: (field: string) => boolean }) {
  if (!(error instanceof ApiProblem)) return null;
  const rest = error.errors.filter((e) => !claimed(e.field));
  if (rest.length === 0) return null;
  return (
    <ul class="field-errors" role="alert">
      {rest.map((e) => (
        <li key={`${e.field}:${e.message}`}>
          {e.field ? <code>{e.field}</code> : null} {e.message}
        </li>
      ))}
    </ul>
  );
}

/** The messages a problem gives one field (and, with `prefix`, the fields beneath it). */
export function fieldMessages(error: Error | undefined, field: string, prefix = false): string[] {
  if (!(error instanceof ApiProblem)) return [];
  return error.errors.filter((e) => e.field === field || (prefix && e.field.startsWith(`${field}.`))).map((e) => e.message);
}
