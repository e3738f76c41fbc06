import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { deployedBuildOptions } from '../../lib/constructs/lambda-bundling.js';

export interface DeployedBundle {
  /** The bundle file. */
  readonly file: string;
  /** Every source file esbuild put into it, as paths relative to the repository root. */
  readonly inputs: readonly string[];
}

/** Builds `entry` as the stack builds a function, into `outDir` (keep it outside the project, as Lambda's is). */
export async function buildDeployedBundle(entry: string, outDir: string, name: string): Promise<DeployedBundle> {
  const file = join(outDir, `${name}.mjs`);
  const result = await build({ ...deployedBuildOptions(), entryPoints: [entry], outfile: file, metafile: true });
  const output = (result.metafile as Metafile).outputs;
  const bundle = Object.entries(output).find(([path]) => path.endsWith(`${name}.mjs`));
  if (!bundle) throw new Error(`esbuild wrote no ${name}.mjs`);
  return { file, inputs: Object.keys(bundle[1].inputs) };
}

interface Reply {
  readonly type?: 'ready' | 'init-error';
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: { name: string; message: string; stack?: string };
}

/**
 * A bundled handler loaded in its own Node.js process with only the environment given, the
 * way a Lambda container initialises it, and invoked there as often as asked (the Lambda
 * runtime itself cannot run here; `test/support/lambda-host.mjs` stands in for it).
 */
export class BundledLambda {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      if (reply.id === undefined) return;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error) waiter?.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
      else waiter?.resolve(reply.result);
    });
    child.on('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`the bundle's process exited (code ${code})`));
      this.pending.clear();
    });
  }

  /** Loads the bundle; rejects with the init error if loading it throws. */
  static start(file: string, environment: Readonly<Record<string, string>>): Promise<BundledLambda> {
    const child = fork(join(import.meta.dirname, 'lambda-host.mjs'), [file], {
      env: { PATH: process.env.PATH ?? '', ...environment },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    // Kept only to explain a failed init; once the bundle is up, its stderr is drained unread.
    let stderr = '';
    const collect = (chunk: Buffer) => (stderr += chunk.toString());
    child.stderr?.on('data', collect);
    return new Promise((resolve, reject) => {
      child.once('message', (reply: Reply) => {
        child.stderr?.off('data', collect).resume();
        if (reply.type === 'ready') resolve(new BundledLambda(child));
        else reject(new Error(`init failed: ${reply.error?.message ?? 'unknown error'}`));
      });
      child.once('exit', (code) => reject(new Error(`the bundle's process exited during init (code ${code}): ${stderr.trim()}`)));
    });
  }

  /** Runs one invocation with `remainingMs` until its deadline; rejects with the handler's error. */
  invoke<T>(event: unknown, remainingMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, event, remainingMs });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
  }
}
