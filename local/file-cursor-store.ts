import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CursorStore } from '../lambdas/poller/cursor-store.js';

/**
 * The poller's history cursors, one per source path, in one small JSON file (`{"<path>":
 * "<cursor>"}`) replaced atomically (write a temporary file, then rename), so a crash leaves
 * the old cursors or the new ones, never half a file. Starting again on the same data
 * directory resumes from them.
 */
export class FileCursorStore implements CursorStore {
  #cache: Record<string, string> | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  async get(path: string): Promise<string | undefined> {
    return (await this.#all())[path];
  }

  async put(path: string, cursor: string): Promise<void> {
    const all = await this.#all();
    all[path] = cursor;
    const snapshot = `${JSON.stringify(all, null, 2)}\n`;
    this.#writing = this.#writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.${process.pid}.tmp`;
      await writeFile(temporary, snapshot);
      await rename(temporary, this.path);
    });
    await this.#writing;
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
