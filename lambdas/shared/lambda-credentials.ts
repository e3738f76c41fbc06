import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/**
 * The AWS credential chain of a deployed function, substituted for
 * `@aws-sdk/credential-provider-node` when the stack bundles a Lambda function (see
 * `lib/constructs/lambda-bundling.ts`).
 *
 * Lambda hands every function its execution role's credentials in `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, and the SDK's default chain finds them
 * there first. The rest of that chain (profiles, SSO, web identity, process, container and
 * instance metadata, with the STS, SSO and sign-in clients they carry) never runs in Lambda
 * but costs about 100 KB in every bundle. Run locally, the handlers keep the full chain.
 */
export function defaultProvider(init: FromEnvInit = {}): ReturnType<typeof fromEnv> {
  const fromLambdaEnvironment = fromEnv(init);
  return async () => {
    try {
      return await fromLambdaEnvironment();
    } catch (error) {
      throw new Error(
        'No AWS credentials in the environment: this bundle is built for AWS Lambda, which sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to the function role’s credentials',
        { cause: error },
      );
    }
  };
}
