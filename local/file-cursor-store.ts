import { readFile } from 'node:fs/promises';
import type { CursorStore } from '../lambdas/poller/cursor-store.js';
import { AtomicJsonFile, type StreamPersisted } from './stream-durable-file.js';

/**
 * The poller's history cursors, one per source path, in one small JSON file (`{"<path>":
 * "<cursor>"}`) replaced atomically (write a temporary file, then rename), so a crash leaves
 * the old cursors or the new ones, never half a file. Starting again on the same data
 * directory resumes from them.
 *
 * With `afterStreamPersisted` (the local pipeline gives the stream's), a cursor reaches the
 * file only once the stream has saved the readings put before it: a cursor says "the
 * readings before me are on the stream", and the emulator keeps new records in memory for
 * up to a second. Killed before that, the poller starts again from the previous cursor and
 * puts those readings again (the batch store keeps each once).
 */
export class FileCursorStore implements CursorStore {
  #cache: Record<string, string> | undefined;
  readonly #file: AtomicJsonFile;

  constructor(
    readonly path: string,
    afterStreamPersisted?: StreamPersisted,
  ) {
    this.#file = new AtomicJsonFile(path, afterStreamPersisted);
  }

  async get(path: string): Promise<string | undefined> {
    return (await this.#all())[path];
  }

  async put(path: string, cursor: string): Promise<void> {
    const all = await this.#all();
    all[path] = cursor;
    await this.#file.write({ ...all }, true);
  }

  /** Resolves once every cursor put so far is in the file. */
  flushed(): Promise<void> {
    return this.#file.flushed();
  }

  async #all(): Promise<Record<string, string>> {
    if (this.#cache) return this.#cache;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`cursor file ${this.path} is unreadable: ${(error as Error).message}`, { cause: error });
      }
      this.#cache = {};
      return this.#cache;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`cursor file ${this.path} is not JSON (${(error as Error).message}); delete it to back-fill again`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Object.values(parsed).some((value) => typeof value !== 'string')) {
      throw new Error(`cursor file ${this.path} does not map paths to cursors; delete it to back-fill again`);
    }
    this.#cache = parsed as Record<string, string>;
    return this.#cache;
  }
}
