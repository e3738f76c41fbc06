import {
  BadRequestException,
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  RollbackTransactionCommand,
  TransactionNotFoundException,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { beforeAll, expect, it } from 'vitest';
import { describeOnBackend, describeOnBothBackends, rejectionOf, type Endpoint } from './endpoints.js';

const begin = async (e: Endpoint) => (await e.client.send(new BeginTransactionCommand(e.target))).transactionId!;
const commit = (e: Endpoint, transactionId: string) => e.client.send(new CommitTransactionCommand({ ...e.target, transactionId }));
const rollback = (e: Endpoint, transactionId: string) => e.client.send(new RollbackTransactionCommand({ ...e.target, transactionId }));
const count = async (e: Endpoint, where = 'true') =>
  (await e.execute(`SELECT count(*) FROM ledger WHERE ${where}`)).records![0]![0]!.longValue;
const entry = (id: number, note: string): SqlParameter[] => [
  { name: 'id', value: { longValue: id } },
  { name: 'note', value: { stringValue: note } },
];

describeOnBothBackends('Data API transactions and batches through the SDK', (endpoint) => {
  beforeAll(async () => {
    await endpoint().execute('CREATE TABLE ledger (id bigint PRIMARY KEY, note text NOT NULL)');
  });

  it('makes a committed transaction visible and reports it committed', async () => {
    const e = endpoint();
    const tx = await begin(e);
    await e.execute('INSERT INTO ledger VALUES (:id, :note)', entry(1, 'committed'), { transactionId: tx });
    const inside = await e.execute('SELECT note FROM ledger WHERE id = 1', [], { transactionId: tx });
    expect(inside.records).toEqual([[{ stringValue: 'committed' }]]);
    expect((await commit(e, tx)).transactionStatus).toBe('Transaction Committed');
    expect(await count(e, 'id = 1')).toBe(1);
  });

  it('discards a rolled-back transaction and reports it rolled back', async () => {
    const e = endpoint();
    const tx = await begin(e);
    await e.execute('INSERT INTO ledger VALUES (:id, :note)', entry(2, 'rolled back'), { transactionId: tx });
    expect((await rollback(e, tx)).transactionStatus).toBe('Rollback Complete');
    expect(await count(e, 'id = 2')).toBe(0);
  });

  it('keeps uncommitted work from statements outside the transaction', async () => {
    const e = endpoint();
    const tx = await begin(e);
    await e.execute('INSERT INTO ledger VALUES (:id, :note)', entry(3, 'pending'), { transactionId: tx });
    const outside = e.execute('SELECT count(*) FROM ledger WHERE id = 3');
    if (e.kind === 'PostgreSQL') {
      // A server runs the outside statement on another connection, at once, without the row.
      expect((await outside).records![0]![0]).toEqual({ longValue: 0 });
      await commit(e, tx);
    } else {
      // The single embedded connection makes the outside statement wait for the commit.
      await commit(e, tx);
      expect((await outside).records![0]![0]).toEqual({ longValue: 1 });
    }
    expect(await count(e, 'id = 3')).toBe(1);
  });

  it('runs a transaction’s calls in the order they were sent, even when sent at once', async () => {
    const e = endpoint();
    const tx = await begin(e);
    await Promise.all(
      [10, 11, 12, 13].map((id) => e.execute('INSERT INTO ledger VALUES (:id, :note)', entry(id, 'burst'), { transactionId: tx })),
    );
    await commit(e, tx);
    expect(await count(e, "note = 'burst'")).toBe(4);
  });

  it('does not know an unknown, committed or rolled-back transaction id', async () => {
    const e = endpoint();
    const unknown = await rejectionOf(e.execute('SELECT 1', [], { transactionId: 'no-such-transaction' }));
    expect(unknown).toBeInstanceOf(TransactionNotFoundException);
    expect(unknown.message).toBe('Transaction no-such-transaction is not found');

    const committed = await begin(e);
    await commit(e, committed);
    expect(await rejectionOf(commit(e, committed))).toBeInstanceOf(TransactionNotFoundException);
    expect(await rejectionOf(e.execute('SELECT 1', [], { transactionId: committed }))).toBeInstanceOf(TransactionNotFoundException);

    const rolledBack = await begin(e);
    await rollback(e, rolledBack);
    expect(await rejectionOf(rollback(e, rolledBack))).toBeInstanceOf(TransactionNotFoundException);
  });

  it('ends a transaction, rolling it back, when a statement in it fails', async () => {
    const e = endpoint();
    const tx = await begin(e);
    await e.execute('INSERT INTO ledger VALUES (:id, :note)', entry(20, 'before the failure'), { transactionId: tx });
    const failure = await rejectionOf(
      e.execute('INSERT INTO ledger VALUES (:id, :note)', entry(1, 'duplicate key'), { transactionId: tx }),
    );
    expect(failure).toBeInstanceOf(DatabaseErrorException);
    expect(failure.message).toContain('SQLState: 23505');
    expect(await rejectionOf(e.execute('SELECT 1', [], { transactionId: tx }))).toBeInstanceOf(TransactionNotFoundException);
    expect(await rejectionOf(commit(e, tx))).toBeInstanceOf(TransactionNotFoundException);
    expect(await count(e, 'id = 20')).toBe(0);
  });

  it('runs a batch once per parameter set and reports one update result per set', async () => {
    const e = endpoint();
    const output = await e.client.send(
      new BatchExecuteStatementCommand({
        ...e.target,
        sql: 'INSERT INTO ledger VALUES (:id, :note)',
        parameterSets: [entry(30, 'batch'), entry(31, 'batch'), entry(32, 'batch')],
      }),
    );
    expect(output.updateResults).toEqual([{ generatedFields: [] }, { generatedFields: [] }, { generatedFields: [] }]);
    expect(await count(e, "note = 'batch'")).toBe(3);
  });

  it('applies a batch all or nothing', async () => {
    const e = endpoint();
    const error = await rejectionOf(
      e.client.send(
        new BatchExecuteStatementCommand({
          ...e.target,
          sql: 'INSERT INTO ledger VALUES (:id, :note)',
          parameterSets: [entry(40, 'partial batch'), entry(30, 'duplicate of an earlier batch')],
        }),
      ),
    );
    expect(error).toBeInstanceOf(DatabaseErrorException);
    expect(await count(e, 'id = 40')).toBe(0);
  });

  it('runs a batch inside a transaction', async () => {
    const e = endpoint();
    const tx = await begin(e);
    await e.client.send(
      new BatchExecuteStatementCommand({
        ...e.target,
        transactionId: tx,
        sql: 'INSERT INTO ledger VALUES (:id, :note)',
        parameterSets: [entry(50, 'tx batch'), entry(51, 'tx batch')],
      }),
    );
    await rollback(e, tx);
    expect(await count(e, "note = 'tx batch'")).toBe(0);
  });

  it('refuses a batch without parameter sets, saying how to run it once', async () => {
    const e = endpoint();
    const error = await rejectionOf(e.client.send(new BatchExecuteStatementCommand({ ...e.target, sql: 'SELECT 1', parameterSets: [] })));
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.message).toContain('[[]]');
  });
});

describeOnBackend(
  'PGlite',
  'Data API transactions left open',
  (endpoint) => {
    it('rolls back a transaction idle for longer than the timeout, and frees the engine', async () => {
      const e = endpoint();
      await e.execute('CREATE TABLE notes (id int PRIMARY KEY)');
      const tx = await begin(e);
      await e.execute('INSERT INTO notes VALUES (1)', [], { transactionId: tx });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await rejectionOf(e.execute('SELECT 1', [], { transactionId: tx }))).toBeInstanceOf(TransactionNotFoundException);
      expect((await e.execute('SELECT count(*) FROM notes')).records).toEqual([[{ longValue: 0 }]]);
      expect(e.server.service.openTransactions).toBe(0);
    });

    it('keeps a transaction that is in use alive past the timeout', async () => {
      const e = endpoint();
      const tx = await begin(e);
      for (let i = 0; i < 12; i++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await e.execute('SELECT 1', [], { transactionId: tx });
      }
      await commit(e, tx);
    });
  },
  { transactionIdleTimeoutMs: 1000 },
);
