/**
 * The name of a stage's stack (`GeotechMonitoring-<env>`), in a module of its own so tools
 * outside the CDK app (the alarms CLI's `--stage`) find the stack without loading the app.
 */
export function stackName(config: { readonly env: string }): string {
  return `GeotechMonitoring-${config.env}`;
}

/** A stage name (`env`): 1-16 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen. */
export const STAGE_NAME = /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/;
