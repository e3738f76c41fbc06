import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/** How the poller reaches the source API: its base URL and how requests are authorised. */
export interface PollSourceConfig {
  /** Environment variables the poller reads: SOURCE_BASE_URL, SOURCE_AUTH and, for a key, SOURCE_API_KEY_SECRET_ARN. */
  readonly environment: Readonly<Record<string, string>>;
}

/** The source API the poller polls; binding it grants the poller what reaching it needs. */
export abstract class PollSource {
  /** A Lambda function URL with AWS_IAM auth (the simulator); requests are SigV4-signed. */
  static functionUrl(url: lambda.IFunctionUrl, fn: lambda.IFunction): PollSource {
    return new FunctionUrlSource(url, fn);
  }

  /**
   * An HTTPS API, optionally with an API key kept in Secrets Manager. The poller reads the
   * key at run time; it is never placed in the function's environment. A secret encrypted with
   * a customer managed key names it as `apiKeyEncryptionKey`: the poller may decrypt with it
   * through Secrets Manager only.
   */
  static api(
    baseUrl: string,
    options: { readonly apiKeySecret?: secretsmanager.ISecret; readonly apiKeyEncryptionKey?: kms.IKey } = {},
  ): PollSource {
    return new ApiSource(baseUrl, options.apiKeySecret, options.apiKeyEncryptionKey);
  }

  abstract bind(poller: iam.IGrantable): PollSourceConfig;
}

class FunctionUrlSource extends PollSource {
  constructor(
    private readonly url: lambda.IFunctionUrl,
    private readonly fn: lambda.IFunction,
  ) {
    super();
  }

  bind(poller: iam.IGrantable): PollSourceConfig {
    this.fn.grantInvokeUrl(poller);
    return { environment: { SOURCE_BASE_URL: this.url.url, SOURCE_AUTH: 'iam' } };
  }
}

class ApiSource extends PollSource {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKeySecret: secretsmanager.ISecret | undefined,
    private readonly apiKeyEncryptionKey: kms.IKey | undefined,
  ) {
    super();
  }

  bind(poller: iam.IGrantable): PollSourceConfig {
    if (!this.apiKeySecret) return { environment: { SOURCE_BASE_URL: this.baseUrl, SOURCE_AUTH: 'none' } };
    // A secret referenced by name has no known suffix; Secrets Manager appends six characters.
    const secretArn = this.apiKeySecret.secretFullArn ?? `${this.apiKeySecret.secretArn}-??????`;
    iam.Grant.addToPrincipal({ grantee: poller, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secretArn] });
    if (this.apiKeyEncryptionKey) {
      const stack = Stack.of(this.apiKeyEncryptionKey);
      iam.Grant.addToPrincipal({
        grantee: poller,
        actions: ['kms:Decrypt'],
        resourceArns: [this.apiKeyEncryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } },
      });
    }
    return {
      environment: { SOURCE_BASE_URL: this.baseUrl, SOURCE_AUTH: 'api-key', SOURCE_API_KEY_SECRET_ARN: this.apiKeySecret.secretArn },
    };
  }
}
