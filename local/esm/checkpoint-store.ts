import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LambdaWindow } from './lambda-event.js';

/** How far a shard has been processed: the last sequence number done, and the open window's state. */
export interface ShardCheckpoint {
  readonly sequenceNumber: string | null;
  readonly window: LambdaWindow | null;
  readonly state: Record<string, unknown>;
}

export interface CheckpointStore {
  load(shardId: string): Promise<ShardCheckpoint | undefined>;
  save(shardId: string, checkpoint: ShardCheckpoint): Promise<void>;
}

/**
 * Checkpoints of every shard in one JSON file, replaced atomically (write, then
 * rename) so a crash leaves either the old or the new checkpoint, never half of one.
 */
export class FileCheckpointStore implements CheckpointStore {
  private cache: Record<string, ShardCheckpoint> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async load(shardId: string): Promise<ShardCheckpoint | undefined> {
    return (await this.all())[shardId];
  }

  async save(shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    const all = await this.all();
    all[shardId] = checkpoint;
    const snapshot = JSON.stringify(all);
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.${process.pid}.tmp`;
      await writeFile(temporary, snapshot);
      await rename(temporary, this.path);
    });
    await this.writing;
  }

  private async all(): Promise<Record<string, ShardCheckpoint>> {
    if (this.cache) return this.cache;
    try {
      this.cache = JSON.parse(await readFile(this.path, 'utf8')) as Record<string, ShardCheckpoint>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`checkpoint file ${this.path} is unreadable: ${(error as Error).message}`, { cause: error });
      this.cache = {};
    }
    return this.cache;
  }
}

/** Checkpoints held in memory, for tests and throwaway runs. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly checkpoints = new Map<string, ShardCheckpoint>();
  async load(shardId: string) {
    return this.checkpoints.get(shardId);
  }
  async save(shardId: string, checkpoint: ShardCheckpoint) {
    this.checkpoints.set(shardId, structuredClone(checkpoint));
  }
}
