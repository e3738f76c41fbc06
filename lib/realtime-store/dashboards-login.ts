import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge, managedPolicy } from '../nag.js';

export interface DashboardsLoginProps {
  /** Retention of the client lookup's logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Names the user pool, identity pool and roles, e.g. `geotech-dev`. */
  readonly namePrefix: string;
  /** Prefix of the hosted sign-in domain `https://<prefix>.auth.<region>.amazoncognito.com`; unique in the Region. */
  readonly domainPrefix: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The engineers' way into OpenSearch Dashboards: a Cognito user pool (administrator-created
 * users, MFA required, threat protection) with a hosted sign-in domain, and an identity pool
 * that trades a signed-in user for an IAM role. Members of the `admins` group get the admin
 * role; everyone else gets the viewer role. OpenSearch itself adds its app client to both
 * pools when Cognito authentication is turned on for the domain; {@link bindDomain} then maps
 * the groups to roles for that client.
 *
 * SAML-ready: add a `cognito.UserPoolIdentityProviderSaml` to {@link userPool} (Microsoft
 * Entra ID, Okta, ...) and list it among the supported identity providers of the app client
 * OpenSearch created; federated users then sign in through the same hosted domain, with MFA
 * left to the IdP. Put administrators in the `admins` group as for local users.
 */
export class DashboardsLogin extends Construct {
  readonly userPool: cognito.UserPool;
  readonly userPoolDomain: cognito.UserPoolDomain;
  readonly identityPool: cognito.CfnIdentityPool;
  /** Assumed by signed-in users outside the `admins` group. */
  readonly viewerRole: iam.Role;
  /** Assumed by members of the `admins` group. */
  readonly adminRole: iam.Role;
  /** Lets OpenSearch configure the pools for Dashboards sign-in. */
  readonly openSearchAccessRole: iam.Role;
  readonly adminGroupName = 'admins';
  private readonly logRetention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: DashboardsLoginProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${props.namePrefix}-dashboards`,
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: false },
      autoVerify: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    this.userPoolDomain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.domainPrefix } });

    // OpenSearch adds its app client as the identity provider, so none is declared here; changing
    // this resource's properties in a later deployment would remove it again.
    this.identityPool = new cognito.CfnIdentityPool(this, 'IdentityPool', {
      identityPoolName: `${props.namePrefix.replace(/-/g, '_')}_dashboards`,
      allowUnauthenticatedIdentities: false,
    });

    this.viewerRole = this.federatedRole('ViewerRole', `Dashboards viewers of ${props.namePrefix}`);
    this.adminRole = this.federatedRole('AdminRole', `Dashboards administrators of ${props.namePrefix}`);
    new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: this.adminGroupName,
      description: 'OpenSearch Dashboards administrators',
      roleArn: this.adminRole.roleArn,
      precedence: 0,
    });

    this.openSearchAccessRole = new iam.Role(this, 'OpenSearchAccessRole', {
      assumedBy: new iam.ServicePrincipal('opensearchservice.amazonaws.com'),
      description: 'Lets OpenSearch Service configure the Dashboards user and identity pools',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonOpenSearchServiceCognitoAccess')],
    });
    acknowledge(
      this.openSearchAccessRole,
      managedPolicy('AmazonOpenSearchServiceCognitoAccess'),
      'The AWS managed policy OpenSearch Service documents for Cognito authentication; AWS keeps it in step with what the service calls.',
    );
  }

  /**
   * Maps signed-in users to roles for the app client OpenSearch created for `domain`: the
   * role in the user's `cognito:preferred_role` claim (the `admins` group's role) when there is
   * one, otherwise the viewer role. Call once the domain uses this login. The client is read
   * from the identity pool, where OpenSearch registers it as the one identity provider; the
   * user pool may hold other app clients (the alarm API's CLI client).
   */
  bindDomain(domain: Construct): void {
    const lookupLogs = new logs.LogGroup(this, 'ClientLookupLogs', { retention: this.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const lookupRole = new iam.Role(this, 'ClientLookupRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Looks up the Dashboards app client OpenSearch registered with the identity pool',
    });
    lookupLogs.grantWrite(lookupRole);
    const lookup = new cr.AwsCustomResource(this, 'OpenSearchClientLookup', {
      resourceType: 'Custom::OpenSearchDashboardsClient',
      installLatestAwsSdk: false,
      role: lookupRole,
      logGroup: lookupLogs,
      onUpdate: {
        service: 'CognitoIdentity',
        action: 'describeIdentityPool',
        parameters: { IdentityPoolId: this.identityPool.ref },
        physicalResourceId: cr.PhysicalResourceId.fromResponse('CognitoIdentityProviders.0.ClientId'),
        outputPaths: ['CognitoIdentityProviders.0.ClientId'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['cognito-identity:DescribeIdentityPool'],
          resources: [
            Stack.of(this).formatArn({ service: 'cognito-identity', resource: 'identitypool', resourceName: this.identityPool.ref }),
          ],
        }),
      ]),
    });
    lookup.node.addDependency(domain);

    const provider = `${this.userPool.userPoolProviderName}:${lookup.getResponseField('CognitoIdentityProviders.0.ClientId')}`;
    new cognito.CfnIdentityPoolRoleAttachment(this, 'RoleAttachment', {
      identityPoolId: this.identityPool.ref,
      roles: { authenticated: this.viewerRole.roleArn },
      roleMappings: {
        dashboards: { identityProvider: provider, type: 'Token', ambiguousRoleResolution: 'AuthenticatedRole' },
      },
    });
  }

  private federatedRole(id: string, description: string): iam.Role {
    return new iam.Role(this, id, {
      description,
      assumedBy: new iam.FederatedPrincipal(
        'cognito-identity.amazonaws.com',
        {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': this.identityPool.ref },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
        'sts:AssumeRoleWithWebIdentity',
      ),
    });
  }
}
