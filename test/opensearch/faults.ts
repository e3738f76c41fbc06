import type { Client } from '@opensearch-project/opensearch';

/** What a bulk request carried: the document ids, in order. */
export type BulkRequestLog = string[][];

/**
 * Decides the fate of one bulk item before it reaches the server: a status to refuse it
 * with (it is then not sent), or null to let it through. `attempt` counts the times this
 * id was sent, from 1.
 */
export type ItemFault = (id: string, attempt: number, index: string) => number | null;

/**
 * The real client with faults injected into bulk responses at the client layer: items
 * the fault picks are withheld from the server and answered with the chosen status, as
 * OpenSearch does when it sheds load; the rest go to the real server. Logs the ids of every request.
 */
export function withBulkFaults(client: Client, fault: ItemFault): { client: Client; requests: BulkRequestLog } {
  const requests: BulkRequestLog = [];
  const attempts = new Map<string, number>();
  const bulk = async (params: { body: unknown; refresh?: boolean }) => {
    const lines = String(params.body)
      .split('\n')
      .filter((line) => line !== '');
    const items: Array<{ action: string; meta: { _index: string; _id: string }; lines: string }> = [];
    for (let i = 0; i < lines.length; i += 2) {
      const header = JSON.parse(lines[i] ?? '{}') as Record<string, { _index: string; _id: string }>;
      const [action, meta] = Object.entries(header)[0] ?? [];
      if (!action || !meta) throw new Error(`unexpected bulk line ${lines[i]}`);
      items.push({ action, meta, lines: `${lines[i]}\n${lines[i + 1]}\n` });
    }
    requests.push(items.map((item) => item.meta._id));
    const verdicts = items.map((item) => {
      const attempt = (attempts.get(item.meta._id) ?? 0) + 1;
      attempts.set(item.meta._id, attempt);
      return fault(item.meta._id, attempt, item.meta._index);
    });
    const passing = items.filter((_, index) => verdicts[index] === null);
    const real =
      passing.length > 0
        ? (await client.bulk({ body: passing.map((item) => item.lines).join('') as never, refresh: params.refresh ?? false })).body.items
        : [];
    let next = 0;
    const merged = items.map((item, index) => {
      const status = verdicts[index];
      if (status === null || status === undefined) return real[next++];
      const type = status === 429 ? 'es_rejected_execution_exception' : 'injected_fault';
      return { [item.action]: { _index: item.meta._index, _id: item.meta._id, status, error: { type, reason: `injected ${status}` } } };
    });
    return { body: { took: 0, errors: merged.some((item) => (Object.values(item ?? {})[0]?.status ?? 0) >= 300), items: merged } };
  };
  const faulty = new Proxy(client, {
    get(target, property) {
      if (property === 'bulk') return bulk;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { client: faulty, requests };
}
