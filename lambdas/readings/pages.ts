/**
 * Keyset pages of the read API. A page is read from the batch store in statements of a
 * bounded number of rows, each answer under the Data API's 1 MiB limit, and ends at the
 * page size asked for or when its JSON reaches {@link MAX_PAGE_BYTES}, whichever comes
 * first; the cursor names the last row given, and the next page starts after it.
 */

/** Most bytes of items in one page's JSON, leaving room for the envelope under 1 MiB. */
export const MAX_PAGE_BYTES = 900 * 1024;

export interface PageOptions {
  /** Most items in the page. */
  readonly limit: number;
  /** Most rows one statement asks for: sized so the Data API's answer stays under 1 MiB. */
  readonly rowsPerStatement: number;
  /** Default {@link MAX_PAGE_BYTES}. */
  readonly maxBytes?: number;
}

export interface CollectedPage<Row, Item> {
  readonly items: Item[];
  /** The row of the last item, or null when there is none. */
  readonly last: Row | null;
  /** Whether rows follow the last item. */
  readonly more: boolean;
}

/**
 * Reads one page: `fetchRows(after, limit)` gives up to `limit` rows after `after` (the
 * last row read; null for the first statement, which starts where the caller's cursor
 * says), in key order. Reads one row past the page to know whether more follow.
 */
export async function collectPage<Row, Item>(
  fetchRows: (after: Row | null, limit: number) => Promise<Row[]>,
  toItem: (row: Row) => Item,
  options: PageOptions,
): Promise<CollectedPage<Row, Item>> {
  const maxBytes = options.maxBytes ?? MAX_PAGE_BYTES;
  const items: Item[] = [];
  let bytes = 2;
  let last: Row | null = null;
  for (;;) {
    const wanted = Math.min(options.limit - items.length + 1, options.rowsPerStatement);
    const rows = await fetchRows(last, wanted);
    for (const row of rows) {
      if (items.length === options.limit) return { items, last, more: true };
      const item = toItem(row);
      const size = Buffer.byteLength(JSON.stringify(item)) + 1;
      if (items.length > 0 && bytes + size > maxBytes) return { items, last, more: true };
      items.push(item);
      bytes += size;
      last = row;
    }
    if (rows.length < wanted) return { items, last, more: false };
  }
}

/** The opaque cursor of a page that ends at `key` (the last row's key parts). */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * The key a cursor names, checked against the kinds of its parts (`'number'` or
 * `'string'`), or null when the text is not a cursor of that shape.
 */
export function decodeCursor(text: string, shape: readonly ('number' | 'string')[]): (string | number)[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) return null;
  const valid = parsed.every((part, index) =>
    shape[index] === 'number' ? typeof part === 'number' && Number.isSafeInteger(part) : typeof part === 'string',
  );
  return valid ? (parsed as (string | number)[]) : null;
}
