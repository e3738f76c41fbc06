import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnFailureMessageError, parseOnFailureMessage } from '../lambdas/recovery/on-failure-message.js';
import type { FailureSource, PendingFailure } from '../lambdas/recovery/redrive.js';

/** The on-failure file of the local event source mappings: one on-failure document (Lambda's shape) per line. */
export const FAILED_BATCHES_FILE = 'failed-batches.jsonl';

/** Where `npm run redrive` records the failures it redrove: one `{"id", "redrivenAt"}` line each. */
export const REDRIVEN_FILE = 'failed-batches.redriven.jsonl';

/**
 * The local event source mappings' on-failure file (`failed-batches.jsonl`, one on-failure
 * document a line) as a redrive's source. The pipeline only ever appends to it, so a redriven
 * failure is not removed: its id goes to a ledger beside it (`failed-batches.redriven.jsonl`),
 * and the next run passes it by (and counts it), unless asked to redrive everything again.
 */
export function failedBatchesFile(dataDir: string, options: { readonly again?: boolean } = {}): FailureSource {
  const file = join(dataDir, FAILED_BATCHES_FILE);
  const ledger = join(dataDir, REDRIVEN_FILE);
  let already = 0;
  return {
    description: file,
    alreadyRedriven: () => already,
    async *pending(): AsyncGenerator<PendingFailure> {
      already = 0;
      if (!existsSync(file)) return;
      const redriven = options.again ? new Set<string>() : await ledgerIds(ledger);
      const lines = (await readFile(file, 'utf8')).split('\n');
      for (const [index, line] of lines.entries()) {
        if (line.trim() === '') continue;
        const failure = decode(line);
        if (!('problem' in failure) && redriven.has(failure.id)) {
          already += 1;
          continue;
        }
        yield {
          location: `${FAILED_BATCHES_FILE} line ${index + 1}`,
          failure,
          settle: async () => {
            if ('problem' in failure) return;
            await appendFile(ledger, `${JSON.stringify({ id: failure.id, redrivenAt: new Date().toISOString() })}\n`);
          },
          keep: async () => undefined,
        };
      }
    },
  };
}

async function ledgerIds(ledger: string): Promise<Set<string>> {
  if (!existsSync(ledger)) return new Set();
  const ids = new Set<string>();
  for (const line of (await readFile(ledger, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { id?: unknown };
      if (typeof entry.id === 'string') ids.add(entry.id);
    } catch {
      // A line cut short by a crash names nothing: its failure is redriven again, which changes nothing.
    }
  }
  return ids;
}

function decode(line: string): PendingFailure['failure'] {
  try {
    return parseOnFailureMessage(line);
  } catch (error) {
    if (error instanceof OnFailureMessageError) return { problem: error.message };
    throw error;
  }
}
