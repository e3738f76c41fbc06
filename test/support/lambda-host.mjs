// Hosts one bundled handler in this process as Lambda's runtime does: the module is loaded
// once (init), then each invocation the parent sends over IPC runs against it (warm starts).
// Messages in: { id, event, remainingMs }. Messages out: { type: 'ready' } or
// { type: 'init-error', error }, then { id, result } or { id, error } per invocation.
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const describe = (error) => ({ name: error?.name ?? 'Error', message: error?.message ?? String(error), stack: error?.stack });

let handler;
try {
  ({ handler } = await import(pathToFileURL(process.argv[2]).href));
  if (typeof handler !== 'function') throw new Error(`${process.argv[2]} exports no handler function`);
} catch (error) {
  process.send({ type: 'init-error', error: describe(error) }, () => process.exit(1));
}

if (handler) {
  process.on('message', async ({ id, event, remainingMs }) => {
    const deadline = Date.now() + remainingMs;
    const context = {
      functionName: 'bundled',
      awsRequestId: `invocation-${id}`,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    try {
      process.send({ id, result: await handler(event, context) });
    } catch (error) {
      process.send({ id, error: describe(error) });
    }
  });
  process.send({ type: 'ready' });
}
