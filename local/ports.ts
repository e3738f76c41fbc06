import { createServer } from 'node:net';

/** A port the local runtime needs is taken; the message names the option that sets it. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly option: string,
  ) {
    super(`port ${port} is already in use; choose another with ${option} <port>`);
  }
}

/** Resolves if `port` can be bound on loopback; port 0 (any free port) always can. */
export async function assertPortFree(port: number, option: string, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new PortInUseError(port, option) : error),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
