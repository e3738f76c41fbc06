import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A SHA-256 over the relative paths and contents of every file under the given directories,
 * in a stable order. Passed as a custom resource property, it makes the resource update
 * whenever any of those files change.
 */
export function contentHash(root: string, directories: readonly string[]): string {
  const hash = createHash('sha256');
  const files = directories.flatMap((directory) => listFiles(path.join(root, directory))).sort();
  for (const file of files) {
    hash.update(path.relative(root, file).split(path.sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function listFiles(directory: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(directory, entry);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}
