/**
 * esbuild settings every Lambda function is bundled with beyond `NodejsFunction`'s own,
 * shared by the stack's functions (`PipelineFunction`) and the bundle benchmark, so the
 * bench measures what is deployed.
 */
export interface LambdaBundleSettings {
  /** Module substitutions (esbuild's `alias`); replacements are paths relative to the repository root. */
  readonly alias: Readonly<Record<string, string>>;
  /** Where licence comments go: `external` writes them to a `.LEGAL.txt` file beside the bundle. */
  readonly legalComments: 'external';
}

export const LAMBDA_BUNDLE_SETTINGS: LambdaBundleSettings = {
  alias: {
    // Lambda supplies credentials in the environment; see the module for what this saves.
    '@aws-sdk/credential-provider-node': './lambdas/shared/lambda-credentials.ts',
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
