import type { BuildOptions } from 'esbuild';

/**
 * How every Lambda function is bundled, in one place: `PipelineFunction` passes these to
 * `NodejsFunction`, and the bundle benchmark and the deployed-bundle tests build with
 * {@link deployedBuildOptions}, so both measure and run what is deployed.
 */

/** Every Lambda entry point the CDK app deploys, by a short name. */
export const LAMBDA_ENTRIES: Readonly<Record<string, string>> = {
  poller: 'lambdas/poller/handler.ts',
  'batch-processor': 'lambdas/batch/handler.ts',
  'realtime-processor': 'lambdas/realtime/handler.ts',
  'quarantine-recorder': 'lambdas/batch/quarantine-handler.ts',
  simulator: 'lambdas/simulator/handler.ts',
  'db-migrate': 'lambdas/db/migrate-handler.ts',
  'opensearch-setup': 'lambdas/opensearch/setup-handler.ts',
  escalation: 'lambdas/alarms/handler.ts',
  'alarm-api': 'lambdas/api/handler.ts',
};

/** The Node.js major version of the functions' runtime (`NODE_RUNTIME`), as esbuild's target. */
export const LAMBDA_NODE_TARGET = 'node24';

/** Package fields esbuild reads, ES modules first. */
export const LAMBDA_MAIN_FIELDS: readonly string[] = ['module', 'main'];

/** Lets CommonJS dependencies bundled into ESM output call require(). */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export interface LambdaBundleSettings {
  /** Module substitutions (esbuild's `alias`); replacements are paths relative to the repository root, or package entry points. */
  readonly alias: Readonly<Record<string, string>>;
  /** Where licence comments go: `external` writes them to a `.LEGAL.txt` file beside the bundle. */
  readonly legalComments: 'external';
}

export const LAMBDA_BUNDLE_SETTINGS: LambdaBundleSettings = {
  alias: {
    // Lambda supplies credentials in the environment; see the module for what this saves.
    '@aws-sdk/credential-provider-node': './lambdas/shared/lambda-credentials.ts',
    // No function streams events; see the module for what this saves and how a use fails.
    '@smithy/core/event-streams': './lambdas/shared/event-streams-unbundled.ts',
    // The MSK IAM signer's other token modes; see the module for what this saves.
    '@aws-sdk/credential-providers': './lambdas/kafka/msk-signer-unbundled.ts',
    '@aws-sdk/client-sts': './lambdas/kafka/msk-signer-unbundled.ts',
    // The Kafka client's checksums and compression: its build for bundlers carries the
    // WebAssembly inline, where the default one reads a file beside its module.
    '@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled',
  },
  // The notices still ship with the code, in the asset, without weighing on module load.
  legalComments: 'external',
};

/** The settings as `NodejsFunction` `esbuildArgs`. */
export function lambdaEsbuildArgs(settings: LambdaBundleSettings = LAMBDA_BUNDLE_SETTINGS): Record<string, string | string[]> {
  return {
    '--alias': Object.entries(settings.alias).map(([module, replacement]) => `${module}=${replacement}`),
    '--legal-comments': settings.legalComments,
  };
}

/**
 * esbuild options that build a bundle as `PipelineFunction` does (minified ESM for the
 * functions' runtime, the AWS SDK inside, {@link LAMBDA_BUNDLE_SETTINGS}), for use outside
 * the CDK. Source maps are left out: they sit in a separate file and do not change the code.
 * Run from the repository root, where the alias paths resolve.
 */
export function deployedBuildOptions(settings: LambdaBundleSettings = LAMBDA_BUNDLE_SETTINGS): BuildOptions {
  return {
    bundle: true,
    minify: true,
    platform: 'node',
    target: LAMBDA_NODE_TARGET,
    format: 'esm',
    mainFields: [...LAMBDA_MAIN_FIELDS],
    banner: { js: ESM_REQUIRE_BANNER },
    alias: { ...settings.alias },
    legalComments: settings.legalComments,
    logLevel: 'silent',
  };
}
