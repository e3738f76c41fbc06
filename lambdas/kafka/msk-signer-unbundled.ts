import { defaultProvider } from '@aws-sdk/credential-provider-node';

/**
 * Stands in for `@aws-sdk/credential-providers` and `@aws-sdk/client-sts` when the stack
 * bundles a Lambda function (see `lib/constructs/lambda-bundling.ts`).
 *
 * AWS's MSK IAM signer (`aws-msk-iam-sasl-signer-js`) is CommonJS and loads both at module
 * init, for token modes this project does not use (a named profile, an assumed role, and a
 * caller-identity debug log): about 250 modules of SDK clients in every Kafka function's
 * bundle. The project signs with the function's own credentials
 * (`generateAuthTokenFromCredentialsProvider`, ./connection.ts); the other modes fail with
 * the error below instead of running.
 */

const NOT_BUNDLED =
  'this MSK IAM token mode is not bundled into this function (see lib/constructs/lambda-bundling.ts): tokens are signed with the function role';

function notBundled(): never {
  throw new Error(NOT_BUNDLED);
}

/** The default chain: in a bundle, the credentials Lambda puts in the environment. */
export const fromNodeProviderChain = (): ReturnType<typeof defaultProvider> => defaultProvider();
export const fromIni = notBundled;
export const fromTemporaryCredentials = notBundled;

export class STSClient {
  constructor() {
    notBundled();
  }
}

export class GetCallerIdentityCommand {
  constructor() {
    notBundled();
  }
}
