import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ALARM_API_GROUPS } from '../../lambdas/api/auth.js';
import { ALARM_API_ROUTES, type RouteKey } from '../../lambdas/api/routes.js';
import { SERVICE_NAMES } from '../../lambdas/shared/telemetry.js';
import type { BatchStore } from '../batch-store/batch-store.js';
import { MskReadingStream } from '../ingestion/msk-reading-stream.js';
import type { ReadingStream } from '../ingestion/reading-stream.js';
import { ServiceFunction, type FunctionNetwork, type ServiceFunctionOptions } from '../constructs/pipeline-function.js';

/** `METHOD /path` of a route key, as `addRoutes` takes them. */
function routeOf(key: RouteKey): { readonly method: apigwv2.HttpMethod; readonly path: string } {
  const [method, path] = key.split(' ') as [keyof typeof apigwv2.HttpMethod, string];
  return { method: apigwv2.HttpMethod[method], path };
}

/** What each access log line records (HTTP API `$context` variables), one JSON object a request. */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  error: '$context.error.message',
  user: '$context.authorizer.claims.sub',
};

export interface AlarmApiProps extends ServiceFunctionOptions {
  /** Names the API, its app client and its access log group, e.g. `geotech-dev`. */
  readonly namePrefix: string;
  /** The user pool whose users sign in (the Dashboards pool); the API's groups and app client are added to it. */
  readonly userPool: cognito.IUserPool;
  /** The batch store holding the alarms and response plans, and the instruments, windows and readings the read API shows. */
  readonly store: BatchStore;
  /**
   * The reading stream manual readings (`POST /readings`) are put on: a Kinesis stream
   * (STREAM_NAME), or the MSK topic (STREAM_KIND=kafka and the KAFKA_* variables; then give
   * `network` too, so the function reaches the brokers).
   */
  readonly readingStream: ReadingStream | MskReadingStream | undefined;
  /** Where the function runs in the VPC. @default - outside any VPC (Kinesis and the Data API are public AWS endpoints) */
  readonly network?: FunctionNetwork;
  /** The event-time window the processors write, seconds (WINDOW_SECONDS): the windows the read API shows. */
  readonly windowSeconds: number;
  /** Escalation tiers (ESCALATION_TIERS), shown with each alarm's notifications. */
  readonly escalationTiers: number;
  /** Minutes between reminders, 0 for none (REMINDER_INTERVAL_MINUTES). */
  readonly reminderIntervalMinutes: number;
  /** IANA time zone of the site (SITE_TIME_ZONE). */
  readonly siteTimeZone: string;
  /** Requests per second the default stage admits on average, for all callers together. @default 10 */
  readonly rateLimit?: number;
  /** Requests the default stage admits at once above the rate. @default 20 */
  readonly burstLimit?: number;
  /** How long access and ID tokens of the CLI app client are valid. @default Duration.minutes(15) */
  readonly tokenValidity?: Duration;
  /** Powertools service name: the `service` dimension of its metrics. @default 'alarm-api' */
  readonly serviceName?: string;
  /** Below the integration's 29 s. @default Duration.seconds(25) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** Of the access log group. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The alarm API: an API Gateway HTTP API whose routes all require a JWT from the stage's
 * Cognito user pool, issued to the `AlarmsCli` app client (USER_PASSWORD_AUTH, no secret,
 * short-lived tokens), and lead to one function. The `engineers` and `viewers` groups in
 * the pool are the roles the function reads from the token's `cognito:groups`. The default
 * stage throttles requests and writes a JSON access log line per request to a log group
 * encrypted with the stage's logs key. The function may use the Data API and put records on the
 * reading stream (manual readings), nothing else.
 */
export class AlarmApi extends ServiceFunction {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly authorizer: HttpJwtAuthorizer;
  /** The app client the CLI signs in with; the authorizer accepts its tokens only. */
  readonly cliClient: cognito.UserPoolClient;
  readonly accessLogs: logs.LogGroup;
  /** App clients whose tokens the authorizer accepts: the CLI's, and those of browser apps allowed later. */
  private readonly audiences: string[] = [];
  /** Origins of the browser apps allowed to call the API (CORS). */
  private readonly browserOrigins: string[] = [];

  constructor(scope: Construct, id: string, props: AlarmApiProps) {
    super(scope, id, {
      entry: 'lambdas/api/handler.ts',
      functionName: props.functionName,
      network: props.network,
      description:
        'Serves the alarm API (alarms with history and audit, acknowledgements, response plans) and the read API (instruments, windows, readings, registry edits, manual readings)',
      serviceName: props.serviceName ?? SERVICE_NAMES.alarmApi,
      metricsNamespace: props.metricsNamespace,
      timeout: props.timeout ?? Duration.seconds(25),
      memorySize: props.memorySize ?? 512,
      logRetention: props.logRetention,
      environment: {
        ...props.store.dataApiEnvironment,
        ESCALATION_TIERS: String(props.escalationTiers),
        REMINDER_INTERVAL_MINUTES: String(props.reminderIntervalMinutes),
        SITE_TIME_ZONE: props.siteTimeZone,
        ...(props.readingStream instanceof MskReadingStream
          ? { STREAM_KIND: 'kafka', ...props.readingStream.kafkaEnvironment }
          : props.readingStream
            ? { STREAM_NAME: props.readingStream.streamName }
            : {}),
        WINDOW_SECONDS: String(props.windowSeconds),
      },
    });
    props.store.grantDataApiAccess(this.lambdaFunction);
    // Manual readings go onto the stream as the poller's do.
    if (props.readingStream instanceof MskReadingStream) props.readingStream.grantWrite(this.lambdaFunction);
    else props.readingStream?.grantPutRecords(this.lambdaFunction);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;

    new cognito.CfnUserPoolGroup(this, 'EngineersGroup', {
      userPoolId: props.userPool.userPoolId,
      groupName: ALARM_API_GROUPS.engineers,
      description: 'Alarm API: list and read alarms, acknowledge them, edit the response plans',
    });
    new cognito.CfnUserPoolGroup(this, 'ViewersGroup', {
      userPoolId: props.userPool.userPoolId,
      groupName: ALARM_API_GROUPS.viewers,
      description: 'Alarm API: list and read alarms and the response plans',
    });

    const tokenValidity = props.tokenValidity ?? Duration.minutes(15);
    this.cliClient = new cognito.UserPoolClient(this, 'AlarmsCli', {
      userPool: props.userPool,
      userPoolClientName: `${props.namePrefix}-alarms-cli`,
      authFlows: { userPassword: true },
      generateSecret: false,
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: tokenValidity,
      idTokenValidity: tokenValidity,
      // Cognito's shortest: the CLI signs in again after an hour.
      refreshTokenValidity: Duration.hours(1),
      authSessionValidity: Duration.minutes(3),
    });
    this.audiences.push(this.cliClient.userPoolClientId);
    // The issuer of the pool's tokens (their `iss` claim), as API Gateway compares it.
    const issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${props.userPool.userPoolId}`;
    this.authorizer = new HttpJwtAuthorizer('AlarmsCliJwt', issuer, {
      authorizerName: `${props.namePrefix}-alarms-cli`,
      jwtAudience: Lazy.list({ produce: () => this.audiences }),
    });

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `${props.namePrefix}-alarms`,
      description: 'Alarms, acknowledgements and response plans of the geotechnical monitoring pipeline',
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer,
    });
    // API Gateway answers the browsers' preflight requests itself, before the authorizer, for the origins allowed.
    (this.api.node.defaultChild as apigwv2.CfnApi).corsConfiguration = Lazy.any({
      produce: () =>
        this.browserOrigins.length === 0
          ? undefined
          : {
              allowOrigins: this.browserOrigins,
              allowMethods: ['GET', 'POST', 'PUT'],
              allowHeaders: ['authorization', 'content-type'],
              maxAge: 3600,
            },
    }) as apigwv2.CfnApi.CorsProperty;
    const integration = new HttpLambdaIntegration('Handler', this.lambdaFunction.function, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    // Every route the handler serves (the one list in lambdas/api/routes.ts), all behind the authorizer.
    for (const { method, path } of ALARM_API_ROUTES.map(routeOf)) this.api.addRoutes({ path, methods: [method], integration });

    const logGroupName = `/aws/vendedlogs/apigateway/${props.namePrefix}-alarms`;
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 10, burstLimit: props.burstLimit ?? 20 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /**
   * Lets a browser app call the API: tokens its app client issues pass the authorizer, and
   * its origin (`https://host`, no trailing slash) may make requests (CORS, with the bearer
   * token in the Authorization header; no cookies).
   */
  allowBrowserApp(client: cognito.IUserPoolClient, origin: string): void {
    this.audiences.push(client.userPoolClientId);
    this.browserOrigins.push(origin);
  }

  /** The API's base URL, `https://<api id>.execute-api.<region>.amazonaws.com`, without a trailing slash. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
