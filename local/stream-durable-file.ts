import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Waits until the stream holds on disk every record it acknowledged before `at` (epoch ms):
 * `KinesisLocal.whenPersisted`. In AWS a record is durable once PutRecords answers; the
 * emulator keeps records in memory and saves them about every second, so locally a position
 * that depends on records (the poller's cursor: "these readings are on the stream"; a
 * consumer's checkpoint: "processed up to here") may be written only once they are saved.
 */
export type StreamPersisted = (at: number) => Promise<void>;

/**
 * A small JSON file replaced atomically (write a temporary file, then rename), so a crash
 * leaves the previous content or the new, never half of it.
 *
 * With `afterStreamPersisted`, a write is deferred until the stream holds every record
 * acknowledged before the write was asked for, then the latest such content is written; the
 * caller does not wait. Killed at any moment, the file then never claims more than the
 * stream kept: a restart goes back a little (the stream's consumers and the batch store keep
 * everything once), never past records that were lost with the emulator's memory.
 * {@link flushed} waits for the writes asked for so far.
 */
export class AtomicJsonFile {
  private readonly pending: Array<{ askedAt: number; text: string }> = [];
  private writing: Promise<void> = Promise.resolve();
  private draining: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    readonly path: string,
    private readonly afterStreamPersisted?: StreamPersisted,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes `value` (at once, or once the stream holds what came before it; see the class). */
  async write(value: unknown, pretty = false): Promise<void> {
    const text = pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value);
    if (!this.afterStreamPersisted) {
      this.writing = this.writing.then(() => this.replace(text));
      return this.writing;
    }
    if (this.failure) throw new Error(`${this.path} could not be written: ${String(this.failure)}`, { cause: this.failure });
    this.pending.push({ askedAt: this.now(), text });
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves once every write asked for so far is in the file (rejects if one failed). */
  async flushed(): Promise<void> {
    while (this.draining) await this.draining;
    await this.writing;
    if (this.failure) throw new Error(`${this.path} could not be written: ${String(this.failure)}`, { cause: this.failure });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const latest = this.pending[this.pending.length - 1]!;
      try {
        await this.afterStreamPersisted!(latest.askedAt);
        await this.replace(latest.text);
      } catch (error) {
        // Not written: the file keeps an older, safe position; a later write may still succeed.
        this.failure = error;
        this.pending.length = 0;
        return;
      }
      this.pending.splice(0, this.pending.indexOf(latest) + 1);
    }
  }

  private async replace(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, this.path);
  }
}
