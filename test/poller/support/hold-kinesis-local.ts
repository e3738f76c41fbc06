/**
 * Starts kinesis-local, prints its endpoint as one JSON line, and then waits to be killed:
 * the test kills this process to check that the emulator does not outlive it.
 */
import { startKinesisLocal } from '../../../local/kinesis-local.js';

const kinesis = await startKinesisLocal({ streamName: 'orphan-check' });
process.stdout.write(`${JSON.stringify({ endpoint: kinesis.endpoint, pid: kinesis.pid })}\n`);
setInterval(() => undefined, 60_000);
