import { createServer } from 'node:net';

/** What a {@link PortInUseError} can add to its message. */
export interface PortInUseHint {
  /** The component that wanted the port, prefixed to the message (e.g. `kinesis-local`). */
  readonly service?: string;
  /** What else can be done instead of choosing another port (e.g. `leave it unset for a free port`). */
  readonly otherwise?: string;
}

/** A port the local runtime was asked to use is taken; the message names the option that sets it. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    /** The option or command-line flag that chose the port. */
    readonly option: string,
    hint: PortInUseHint = {},
  ) {
    const service = hint.service ? `${hint.service}: ` : '';
    const otherwise = hint.otherwise ? ` or ${hint.otherwise}` : '';
    super(`${service}port ${port} (option ${option}) is already in use; choose another port with ${option}${otherwise}`);
  }
}

/**
 * Whether `port` can be listened on now: on `host`, or on all interfaces when no host is
 * given. A port taken or not allowed (EADDRINUSE, EACCES) is not free; any other failure
 * (e.g. a host that is not local) is thrown.
 */
export function portIsFree(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(false) : reject(error),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Resolves if `port` can be listened on at `host` (default loopback); port 0 (any free port) always can. */
export async function assertPortFree(port: number, option: string, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  if (!(await portIsFree(port, host))) throw new PortInUseError(port, option);
}

/**
 * A port nothing listens on now, on any interface, chosen by the OS and different from
 * every port in `avoid`. Another process may still take it before it is used.
 */
export async function freePort(avoid: readonly number[] = []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, () => {
        const address = probe.address();
        const chosen = typeof address === 'object' && address ? address.port : 0;
        probe.close(() => resolve(chosen));
      });
    });
    if (port !== 0 && !avoid.includes(port)) return port;
  }
}
