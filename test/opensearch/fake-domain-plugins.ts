import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A stand-in for the parts of an Amazon OpenSearch Service domain the integration-test
 * distribution does not have: the ISM and security plugins' REST APIs and Dashboards'
 * saved-objects import. It sits in front of the real server and forwards every other
 * request to it, so templates and mappings still go to real OpenSearch. The fakes keep
 * what they were sent, for the tests to inspect.
 */
export interface FakeDomain {
  readonly url: string;
  readonly policies: Map<string, { policy: Record<string, unknown>; seqNo: number; primaryTerm: number }>;
  readonly roles: Map<string, Record<string, unknown>>;
  readonly roleMappings: Map<
    string,
    { backend_roles?: string[]; users?: string[]; hosts?: string[]; reserved?: boolean; hidden?: boolean }
  >;
  /** Every write the fakes accepted: method, path and query. */
  readonly calls: string[];
  readonly imports: Array<{ query: string; headers: IncomingMessage['headers']; ndjson: string }>;
  close(): Promise<void>;
}

export async function startFakeDomain(realUrl: string): Promise<FakeDomain> {
  const real = new URL(realUrl);
  const state = {
    policies: new Map<string, { policy: Record<string, unknown>; seqNo: number; primaryTerm: number }>(),
    roles: new Map<string, Record<string, unknown>>(),
    roleMappings: new Map<string, { backend_roles?: string[]; users?: string[]; hosts?: string[]; reserved?: boolean; hidden?: boolean }>(),
    calls: [] as string[],
    imports: [] as Array<{ query: string; headers: IncomingMessage['headers']; ndjson: string }>,
  };
  let seqNo = 0;

  const json = (response: ServerResponse, status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(incoming.url ?? '/', 'http://fake');
      const method = incoming.method ?? 'GET';
      const path = url.pathname;
      if (method !== 'GET' && method !== 'HEAD') state.calls.push(`${method} ${path}${url.search}`);

      const policy = /^\/_plugins\/_ism\/policies\/([^/]+)$/.exec(path);
      if (policy?.[1]) {
        const id = decodeURIComponent(policy[1]);
        const stored = state.policies.get(id);
        if (method === 'GET') {
          if (!stored) return json(response, 404, { error: { type: 'status_exception', reason: 'Policy not found' }, status: 404 });
          return json(response, 200, {
            _id: id,
            _version: stored.seqNo + 1,
            _seq_no: stored.seqNo,
            _primary_term: stored.primaryTerm,
            policy: { policy_id: id, ...stored.policy },
          });
        }
        if (method === 'PUT') {
          const ifSeqNo = url.searchParams.get('if_seq_no');
          if (stored && (ifSeqNo === null || Number(ifSeqNo) !== stored.seqNo)) {
            return json(response, 409, {
              error: { type: 'version_conflict_engine_exception', reason: 'policy exists; send if_seq_no and if_primary_term' },
              status: 409,
            });
          }
          const next = {
            policy: (JSON.parse(body.toString()) as { policy: Record<string, unknown> }).policy,
            seqNo: ++seqNo,
            primaryTerm: 1,
          };
          state.policies.set(id, next);
          return json(response, stored ? 200 : 201, { _id: id, _seq_no: next.seqNo, _primary_term: 1, policy: { policy: next.policy } });
        }
      }
      if (/^\/_plugins\/_ism\/(add|change_policy)\//.test(path))
        return json(response, 200, { updated_indices: 0, failures: false, failed_indices: [] });

      const role = /^\/_plugins\/_security\/api\/roles\/([^/]+)$/.exec(path);
      if (role?.[1] && method === 'PUT') {
        state.roles.set(decodeURIComponent(role[1]), JSON.parse(body.toString()) as Record<string, unknown>);
        return json(response, 200, { status: 'OK' });
      }
      const mapping = /^\/_plugins\/_security\/api\/rolesmapping\/([^/]+)$/.exec(path);
      if (mapping?.[1]) {
        const name = decodeURIComponent(mapping[1]);
        if (method === 'GET') {
          const stored = state.roleMappings.get(name);
          return stored
            ? json(response, 200, { [name]: stored })
            : json(response, 404, { status: 'NOT_FOUND', message: `${name} not found` });
        }
        if (method === 'PUT') {
          const sent = JSON.parse(body.toString()) as Record<string, unknown>;
          const readOnly = ['reserved', 'hidden', 'static'].filter((key) => key in sent);
          if (readOnly.length > 0)
            return json(response, 400, { status: 'error', reason: `Invalid configuration: ${readOnly.join(', ')} not allowed` });
          state.roleMappings.set(name, { ...sent, reserved: false, hidden: false });
          return json(response, 200, { status: 'OK' });
        }
      }

      if (path === '/_dashboards/api/saved_objects/_import' && method === 'POST') {
        const boundary = /boundary=(.+)$/.exec(incoming.headers['content-type'] ?? '')?.[1];
        const text = body.toString();
        const part = boundary ? text.split(`--${boundary}`)[1] : undefined;
        const ndjson = part?.split('\r\n\r\n').slice(1).join('\r\n\r\n').replace(/\r\n$/, '') ?? '';
        if (incoming.headers['osd-xsrf'] !== 'true' || !ndjson)
          return json(response, 400, { statusCode: 400, message: 'expected an osd-xsrf header and a file part' });
        state.imports.push({ query: url.search, headers: incoming.headers, ndjson });
        return json(response, 200, { success: true, successCount: ndjson.split('\n').filter((line) => line.trim() !== '').length });
      }

      const forward = httpRequest(
        { host: real.hostname, port: real.port, method, path: incoming.url, headers: { ...incoming.headers, host: real.host } },
        (upstream) => {
          const upstreamChunks: Buffer[] = [];
          upstream.on('data', (chunk: Buffer) => upstreamChunks.push(chunk));
          upstream.on('end', () => {
            let payload = Buffer.concat(upstreamChunks);
            if (path === '/_cat/plugins' && upstream.statusCode === 200) {
              const rows = JSON.parse(payload.toString() || '[]') as unknown[];
              rows.push(
                { name: 'fake', component: 'opensearch-index-management', version: 'fake' },
                { name: 'fake', component: 'opensearch-security', version: 'fake' },
              );
              payload = Buffer.from(JSON.stringify(rows));
            }
            const headers = { ...upstream.headers, 'content-length': String(payload.length) };
            response.writeHead(upstream.statusCode ?? 502, headers);
            response.end(payload);
          });
        },
      );
      forward.on('error', (error) => json(response, 502, { error: error.message }));
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    ...state,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
