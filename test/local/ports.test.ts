import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPortFree, freePort, PortInUseError, portIsFree } from '../../local/ports.js';

let blocker: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
});

async function takenPort(): Promise<number> {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as { port: number }).port;
}

describe('local ports', () => {
  it('tells a taken port from a free one', async () => {
    const port = await takenPort();
    expect(await portIsFree(port, '127.0.0.1')).toBe(false);
    expect(await portIsFree(await freePort([port]), '127.0.0.1')).toBe(true);
  });

  it('names the option that sets a taken port, and lets port 0 through', async () => {
    const port = await takenPort();
    const refused = assertPortFree(port, '--psql-port');
    await expect(refused).rejects.toThrow(PortInUseError);
    await expect(refused).rejects.toMatchObject({ port, option: '--psql-port' });
    await expect(refused).rejects.toThrow(`port ${port} (option --psql-port) is already in use; choose another port with --psql-port`);
    await expect(assertPortFree(0, '--psql-port')).resolves.toBeUndefined();
  });

  it('adds the service and what else can be done to the message', () => {
    expect(new PortInUseError(4567, 'plainPort', { service: 'kinesis-local', otherwise: 'leave it unset for a free port' }).message).toBe(
      'kinesis-local: port 4567 (option plainPort) is already in use; choose another port with plainPort or leave it unset for a free port',
    );
  });

  it('chooses a port other than those to avoid', async () => {
    const first = await freePort();
    const second = await freePort([first]);
    expect(second).not.toBe(first);
    expect(second).toBeGreaterThan(0);
  });
});
