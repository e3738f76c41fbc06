import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig, type PipelineConfig, stackName } from './config.js';
import { PipelineStack } from './pipeline-stack.js';

export interface PipelineAppOptions {
  /** Context to start from; the CDK CLI supplies cdk.json's context and `-c` values itself. @default - none */
  readonly context?: Record<string, unknown>;
  /** Cloud assembly directory. @default - the CLI's, or a temporary directory */
  readonly outdir?: string;
}

export interface PipelineApp {
  readonly app: App;
  readonly config: PipelineConfig;
  readonly stack: PipelineStack;
}

/**
 * The CDK app: one pipeline stack for the stage named by `-c env=<name>`, checked by the
 * cdk-nag AWS Solutions rules at synth (any unacknowledged finding fails synthesis).
 * Throws a ConfigError naming every invalid configuration key.
 */
export function createPipelineApp(options: PipelineAppOptions = {}): PipelineApp {
  const app = new App({ context: options.context, outdir: options.outdir });
  const config = loadConfig((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
  const env = config.account || config.region ? { account: config.account, region: config.region } : undefined;
  const stack = new PipelineStack(app, stackName(config), { config, env });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, stack };
}
