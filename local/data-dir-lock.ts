import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Who has a data directory open. The embedded database admits one process: two processes
 * writing one PGlite directory corrupt it, and PGlite does not refuse the second. So the
 * process that opens a data directory (`npm start`, or a recovery command while `npm start`
 * is not running) holds this lock, a small JSON file naming its process and its endpoints;
 * another process either refuses, naming the holder, or (the recovery commands) uses the
 * holder's endpoints instead of opening the directory. A lock whose process is gone (killed,
 * crashed) is stale and taken over.
 */

export const LOCK_FILE_NAME = 'in-use.json';

/** What the holder of a data directory tells others. */
export interface DataDirHolder {
  readonly pid: number;
  /** What holds it: `npm start`, `npm run redrive`, ... */
  readonly command: string;
  readonly startedAt: string;
  /** Endpoints another process may use while the holder runs (`npm start` fills them in once they are up). */
  readonly endpoints?: LocalEndpoints;
}

/** Where a running local pipeline can be reached, and the settings its processors run with. */
export interface LocalEndpoints {
  readonly kinesisEndpoint: string;
  readonly streamName: string;
  readonly dataApiUrl: string;
  /** The real-time store, when the pipeline writes to one. */
  readonly openSearchUrl?: string;
  readonly openSearchIndexPrefix?: string;
  readonly windowSeconds: number;
  readonly allowedLatenessSeconds: number;
}

/** The data directory is held by a live process. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder,
  ) {
    super(
      `the data directory ${dataDir} is in use by ${holder.command} (process ${holder.pid}, since ${holder.startedAt}): ` +
        'the embedded database admits one process at a time; stop it first, or give another --data-dir',
    );
  }
}

export interface DataDirLock {
  /** Publishes the endpoints for other processes. */
  announce(endpoints: LocalEndpoints): Promise<void>;
  /** Removes the lock (only while this process still holds it). */
  release(): Promise<void>;
}

/** The live holder of `dataDir`, or undefined when nobody holds it (no lock, or a stale one). */
export function dataDirHolder(dataDir: string): DataDirHolder | undefined {
  let holder: DataDirHolder;
  try {
    holder = JSON.parse(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')) as DataDirHolder;
  } catch {
    return undefined;
  }
  return typeof holder.pid === 'number' && processIsAlive(holder.pid) ? holder : undefined;
}

/**
 * Takes the lock of `dataDir` for this process, or throws {@link DataDirInUseError} naming
 * the live process that holds it. A stale lock (its process gone) is taken over.
 */
export async function lockDataDir(dataDir: string, command: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const holder = dataDirHolder(dataDir);
  if (holder && holder.pid !== process.pid) throw new DataDirInUseError(dataDir, holder);
  const path = join(dataDir, LOCK_FILE_NAME);
  let current: DataDirHolder = { pid: process.pid, command, startedAt: new Date().toISOString() };
  const write = async () => {
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(current, null, 2)}\n`);
    await rename(temporary, path);
  };
  await write();
  // Two processes may have found the directory free at once: the last rename wins, the other stops here.
  const after = dataDirHolder(dataDir);
  if (after && after.pid !== process.pid) throw new DataDirInUseError(dataDir, after);
  return {
    async announce(endpoints) {
      current = { ...current, endpoints };
      await write();
    },
    async release() {
      if (dataDirHolder(dataDir)?.pid === process.pid) await rm(path, { force: true });
    },
  };
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
