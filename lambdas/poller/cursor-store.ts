/**
 * Where the poller keeps, per source path, the history-mode cursor to ask with next (the
 * `next` of the last page whose readings were all put on the stream or quarantined). A
 * restarted poller reads it back, so it neither loses nor repeats readings. In AWS a
 * DynamoDB table (`dynamodb-cursor-store.ts`), locally a JSON file in the data directory.
 */
export interface CursorStore {
  /** The cursor saved for `path`, or undefined when none is (a first start). */
  get(path: string): Promise<string | undefined>;
  /** Saves `cursor` for `path`, replacing the one before. */
  put(path: string, cursor: string): Promise<void>;
}

/** Cursors in memory only: they last as long as the process (for tests and for a poller without a store). */
export class MemoryCursorStore implements CursorStore {
  readonly cursors = new Map<string, string>();

  async get(path: string): Promise<string | undefined> {
    return this.cursors.get(path);
  }

  async put(path: string, cursor: string): Promise<void> {
    this.cursors.set(path, cursor);
  }
}
