import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { Template } from 'aws-cdk-lib/assertions';
import { createPipelineApp, type PipelineApp } from '../../lib/app.js';
import { PROJECT_ROOT } from '../../lib/constructs/pipeline-function.js';

/** The context `cdk.json` gives the app, as the CDK CLI passes it. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export interface Synthesized extends PipelineApp {
  readonly assembly: CloudAssembly;
  readonly template: Template;
  /** The synthesized template as plain JSON. */
  readonly json: TemplateJson;
  /** Where the cloud assembly was written. */
  readonly outdir: string;
  /** Removes the cloud assembly directory. */
  readonly dispose: () => void;
}

export interface TemplateJson {
  readonly Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[]; DeletionPolicy?: string }
  >;
  readonly Outputs?: Record<string, unknown>;
}

/**
 * Synthesizes the app the way `cdk synth` does (cdk.json context plus overrides, every Lambda
 * bundled with esbuild, cdk-nag validation) into a temporary cloud assembly. The CDK's
 * built-in CloudFormation rule check is skipped to keep the suite quick: cfn-lint checks the
 * same templates more thoroughly.
 */
export function synthesize(overrides: Record<string, unknown> = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'geotech-cdk-'));
  const pipeline = createPipelineApp({ context: { ...cdkJsonContext(), ...overrides }, outdir });
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  let assembly: CloudAssembly;
  try {
    assembly = pipeline.app.synth();
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
  const json = assembly.getStackArtifact(pipeline.stack.artifactId).template as TemplateJson;
  return {
    ...pipeline,
    assembly,
    json,
    template: Template.fromJSON(json as unknown as Record<string, unknown>),
    outdir,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Logical IDs of the resources of a type, optionally only those whose ID starts with a prefix. */
export function logicalIds(json: TemplateJson, type: string, prefix = ''): string[] {
  return Object.entries(json.Resources)
    .filter(([id, resource]) => resource.Type === type && id.startsWith(prefix))
    .map(([id]) => id);
}

/** The one resource of a type whose logical ID starts with the prefix. */
export function onlyLogicalId(json: TemplateJson, type: string, prefix = ''): string {
  const ids = logicalIds(json, type, prefix);
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with "${prefix}", found ${ids.length}: ${ids.join(', ')}`);
  return ids[0]!;
}

export interface Permission {
  readonly action: string;
  /** Each resource as JSON text, so references to logical IDs can be searched. */
  readonly resources: readonly string[];
  readonly condition: unknown;
}

/** Every Allow permission of a role, from its inline policies and every AWS::IAM::Policy attached to it. */
export function permissionsOf(json: TemplateJson, roleLogicalId: string): Permission[] {
  const role = json.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
  const documents: unknown[] = [];
  for (const inline of (role.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? [])
    documents.push(inline.PolicyDocument);
  for (const resource of Object.values(json.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles as { Ref?: string }[] | undefined) ?? [];
    if (roles.some((ref) => ref.Ref === roleLogicalId)) documents.push(resource.Properties?.PolicyDocument);
  }
  return documents.flatMap((document) =>
    ((document as { Statement: Record<string, unknown>[] }).Statement ?? [])
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) =>
        asArray(statement.Action).map((action) => ({
          action: String(action),
          resources: asArray(statement.Resource).map((resource) => JSON.stringify(resource)),
          condition: statement.Condition,
        })),
      ),
  );
}

/** The execution role of a function, by the function's logical ID. */
export function roleOfFunction(json: TemplateJson, functionLogicalId: string): string {
  const role = json.Resources[functionLogicalId]?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const roleId = role?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new Error(`${functionLogicalId} has no role reference`);
  return roleId;
}

function asArray(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Whether cfn-lint is on the PATH (.ci/run installs it); the cfn-lint tests are skipped without it. */
export function hasCfnLint(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
