import { readFile } from 'node:fs/promises';
import { AtomicJsonFile, type StreamPersisted } from '../stream-durable-file.js';
import type { LambdaWindow } from '../../lambdas/shared/kinesis-lambda-event.js';

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
 *
 * With `afterStreamPersisted`, a checkpoint reaches the file only once the stream has saved
 * the records it covers (see `AtomicJsonFile`): the emulator keeps new records in memory for
 * up to a second, and a checkpoint past records the emulator then lost would skip the
 * records put again in their place.
 */
export class FileCheckpointStore implements CheckpointStore {
  private cache: Record<string, ShardCheckpoint> | undefined;
  private readonly file: AtomicJsonFile;

  constructor(
    private readonly path: string,
    afterStreamPersisted?: StreamPersisted,
  ) {
    this.file = new AtomicJsonFile(path, afterStreamPersisted);
  }

  async load(shardId: string): Promise<ShardCheckpoint | undefined> {
    return (await this.all())[shardId];
  }

  async save(shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    const all = await this.all();
    all[shardId] = checkpoint;
    await this.file.write({ ...all });
  }

  /** Resolves once every checkpoint saved so far is in the file. */
  flushed(): Promise<void> {
    return this.file.flushed();
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
