import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logsLib from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, wildcardResource } from '../nag.js';
import { CONSOLE_DIST_DIR, ensureConsoleBuilt } from './build.js';
import { CALLBACK_PATH, CONSOLE_SCOPES, type ConsoleConfig } from './console-config.js';
import { consoleContentSecurityPolicy, HSTS_MAX_AGE_SECONDS } from './security-headers.js';

export interface ConsoleSiteProps {
  /** Names the buckets' purpose, the app client and the policies, e.g. `geotech-dev`. */
  readonly namePrefix: string;
  /** The user pool whose users sign in; the console's app client is added to it. */
  readonly userPool: cognito.IUserPool;
  /** The pool's hosted sign-in domain. */
  readonly userPoolDomain: cognito.UserPoolDomain;
  /** The HTTP API's base URL, written to config.json. */
  readonly apiUrl: string;
  readonly siteTimeZone: string;
  /** Served on this name with this certificate (us-east-1) and TLS 1.2 at least; else on the distribution's own name. */
  readonly domainName?: string;
  readonly certificateArn?: string;
  /** Of the log bucket. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** How long access logs are kept. @default Duration.days(90) */
  readonly logRetention?: Duration;
  /** @default cloudfront.PriceClass.PRICE_CLASS_ALL */
  readonly priceClass?: cloudfront.PriceClass;
  /** The built bundle to deploy. @default lib/console/web/dist, built at synth when missing or stale */
  readonly distDir?: string;
}

/**
 * The site console as a static site: a private S3 bucket (encrypted, TLS only, access
 * logged) behind CloudFront with origin access control, a response headers policy (CSP,
 * HSTS, no framing, no sniffing, referrer policy), a viewer-request function that answers
 * the app's paths with index.html, and a public Cognito app client for the hosted UI
 * (authorization code with PKCE, no secret, callback and sign-out URLs on the console's
 * origin). The bundle is deployed with a `config.json` naming the API and the client. The
 * API must allow {@link origin} (CORS) and accept tokens of {@link client}.
 */
export class ConsoleSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly responseHeaders: cloudfront.ResponseHeadersPolicy;
  readonly client: cognito.UserPoolClient;
  /** `https://<domain>`: where the console is, without a trailing slash. */
  readonly origin: string;
  /** The configuration deployed as config.json. */
  readonly config: ConsoleConfig;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logs are written with an ACL grant to the log delivery account.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: props.logRetention ?? Duration.days(90) }],
      removalPolicy,
    });
    acknowledge(
      this.logBucket,
      'S1',
      'This bucket receives the console bucket and distribution access logs; logging its own access would log into itself.',
    );
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
      // Only built files live here: each deployment writes them again.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const certificate = props.certificateArn ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn) : undefined;
    const domain = props.domainName;
    const cognitoDomain = props.userPoolDomain.baseUrl();
    // The API's exact origin cannot be named here: its CORS names this distribution, and the
    // distribution's policy naming the API would make a dependency cycle. The region's API
    // Gateway origins are allowed; the API itself admits only this origin.
    const apiOrigins = `https://*.execute-api.${stack.region}.${stack.urlSuffix}`;
    this.responseHeaders = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      responseHeadersPolicyName: `${props.namePrefix}-console`,
      comment: `Security headers of the ${props.namePrefix} site console`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleContentSecurityPolicy({ connect: [apiOrigins, cognitoDomain], formAction: [] }),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(HSTS_MAX_AGE_SECONDS),
          includeSubdomains: true,
          override: true,
        },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()', override: true }],
      },
    });

    const appPaths = new cloudfront.Function(this, 'AppPaths', {
      functionName: `${props.namePrefix}-console-paths`,
      comment: 'Answers the console app paths (/alarms/..., /instruments/...) with index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(APP_PATHS_FUNCTION),
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Site console of ${props.namePrefix}`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeaders,
        compress: true,
        functionAssociations: [{ function: appPaths, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_ALL,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      ...(certificate && domain
        ? { certificate, domainNames: [domain], minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 }
        : {}),
    });
    if (!certificate) {
      acknowledge(
        this.distribution,
        'CFR4',
        "Served on the distribution's own cloudfront.net name, whose security policy CloudFront fixes at TLSv1; current browsers offer TLS 1.2 or later anyway. Set consoleDomainName and consoleCertificateArn to require TLS 1.2.",
      );
    }
    acknowledge(
      this.distribution,
      'CFR1',
      'The console is for site staff wherever they are; every request to the data needs a Cognito sign-in with MFA, so geography adds nothing.',
    );
    acknowledge(
      this.distribution,
      'CFR2',
      'Static files only: nothing in the bucket is private or executes on the server, and the API behind it is authorised and throttled by API Gateway.',
    );

    this.origin = `https://${domain ?? this.distribution.distributionDomainName}`;
    this.client = new cognito.UserPoolClient(this, 'Client', {
      userPool: props.userPool,
      userPoolClientName: `${props.namePrefix}-console`,
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${this.origin}${CALLBACK_PATH}`],
        logoutUrls: [`${this.origin}/`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(1),
      authSessionValidity: Duration.minutes(5),
    });

    // The hosted UI signs users in: the console never takes a password, so no other flow is open to its client.
    (this.client.node.defaultChild as cognito.CfnUserPoolClient).explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];

    this.config = {
      apiUrl: props.apiUrl,
      auth: {
        kind: 'cognito',
        domain: cognitoDomain,
        clientId: this.client.userPoolClientId,
        redirectUri: `${this.origin}${CALLBACK_PATH}`,
        logoutUri: `${this.origin}/`,
        scopes: CONSOLE_SCOPES,
      },
      siteTimeZone: props.siteTimeZone,
    };

    const distDir = props.distDir ?? CONSOLE_DIST_DIR;
    if (props.distDir === undefined) ensureConsoleBuilt(distDir);
    this.deployBundle(distDir, removalPolicy);
  }

  /**
   * Copies the bundle and config.json into the bucket with the CDK's bucket deployment,
   * under a role of its own that may do no more than that: read the staged bundle, write
   * the console bucket, invalidate this distribution's page and configuration, and log.
   * Hashed assets are kept for a year and never removed by a deployment (a page still open
   * may load them); the page and its configuration are revalidated on every load.
   */
  private deployBundle(distDir: string, removalPolicy: RemovalPolicy): void {
    const assets = new s3assets.Asset(this, 'AssetsBundle', { path: path.join(distDir, 'assets') });
    const pages = new s3assets.Asset(this, 'PagesBundle', { path: distDir, exclude: ['assets', 'build-manifest.json'] });
    const logs = new logsLib.LogGroup(this, 'DeployLogs', { retention: logsLib.RetentionDays.ONE_MONTH, removalPolicy });
    const role = new iam.Role(this, 'DeployRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the site console bundle and config.json into its bucket',
    });
    logs.grantWrite(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // The staged bundles, and config.json, which the deployment stages itself under a key known at deploy time.
        actions: ['s3:GetObject'],
        resources: [assets.bucket.arnForObjects('*')],
      }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
        resources: [this.distribution.distributionArn],
      }),
    );
    // Grants the deployment would add itself (wildcard actions) are dropped: the statements above are all it gets.
    const deployment = {
      role: role.withoutPolicyUpdates(),
      logGroup: logs,
      memoryLimit: 256,
      destinationBucket: this.bucket,
      prune: false,
    };
    const assetsDeployment = new s3deploy.BucketDeployment(this, 'DeployAssets', {
      ...deployment,
      sources: [s3deploy.Source.bucket(assets.bucket, assets.s3ObjectKey)],
      destinationKeyPrefix: 'assets/',
      cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
    });
    const pagesDeployment = new s3deploy.BucketDeployment(this, 'DeployPages', {
      ...deployment,
      sources: [s3deploy.Source.bucket(pages.bucket, pages.s3ObjectKey), s3deploy.Source.jsonData('config.json', this.config)],
      cacheControl: [s3deploy.CacheControl.fromString('no-cache')],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
    });
    pagesDeployment.node.addDependency(assetsDeployment);
    acknowledge(
      role,
      wildcardResource(role, assets.bucket.arnForObjects('*')),
      "The deployment stages config.json in the CDK's asset bucket under a key that exists only at deploy time; it only reads there.",
    );
    acknowledge(
      role,
      wildcardResource(role, this.bucket.arnForObjects('*')),
      'The deployment writes the console bucket, whose only content is the console it deploys.',
    );
    acknowledgeDeploymentFunction(this);
  }
}

/**
 * The viewer-request function: the bundle's files (`/assets/…`), the page and its
 * configuration pass as they are; every other path is a page of the app (an alarm's id
 * carries dots and colons), served as index.html, which reads the path itself.
 */
export const APP_PATHS_FUNCTION = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('/assets/') !== 0 && uri !== '/config.json' && uri !== '/index.html') request.uri = '/index.html';
  return request;
}`;

/** The bucket deployments run one function the CDK provides, a singleton at stack level, on a runtime it pins. */
function acknowledgeDeploymentFunction(site: Construct): void {
  const singleton = Stack.of(site).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  const handler = singleton?.node.tryFindChild('Resource');
  if (handler)
    acknowledge(handler, 'L1', 'The CDK pins the runtime of its bucket deployment function to the one its bundled AWS CLI layer supports.');
}
