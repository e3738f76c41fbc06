/** One setting that failed validation: the variable or key, and what is wrong with it. */
export interface ConfigProblem {
  /** The environment variable (`WINDOW_SECONDS`) or configuration key (`windowSeconds`) at fault. */
  readonly key: string;
  readonly message: string;
}

/**
 * A configuration that cannot be used. The one error type of every function's environment
 * and of the deployment configuration: the message names each setting at fault and what it
 * accepts, so a misconfigured function fails at init (the deploy's first invocation) rather
 * than on every event.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /**
   * @param subject what was being configured, e.g. `batch processor environment`
   * @param problems every setting at fault
   * @param hint where the settings are changed, shown after the subject
   */
  constructor(
    readonly subject: string,
    readonly problems: readonly ConfigProblem[],
    hint?: string,
  ) {
    super(
      [`Invalid ${subject}${hint ? ` (${hint})` : ''}:`, ...problems.map((problem) => `  - ${problem.key}: ${problem.message}`)].join('\n'),
    );
  }
}
