/**
 * The Data API's error shapes. Each error travels as an HTTP status, an
 * `x-amzn-errortype` header and a JSON body with `message` (and `__type`), which is
 * how the AWS SDK's REST-JSON protocol picks the exception class it raises.
 */

/** Error types of the `rds-data` service model, with the HTTP status it gives each. */
export const DATA_API_ERROR_STATUS = {
  BadRequestException: 400,
  DatabaseErrorException: 400,
  StatementTimeoutException: 400,
  TransactionNotFoundException: 404,
  NotFoundException: 404,
  InternalServerErrorException: 500,
  ServiceUnavailableError: 503,
  DatabaseUnavailableException: 504,
} as const;

export type DataApiErrorType = keyof typeof DATA_API_ERROR_STATUS;

export class DataApiError extends Error {
  constructor(
    readonly type: DataApiErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    return DATA_API_ERROR_STATUS[this.type];
  }

  /** The response body the service sends for this error. */
  toBody(): { __type: string; message: string } {
    return { __type: this.type, message: this.message };
  }
}

export const badRequest = (message: string) => new DataApiError('BadRequestException', message);

/** The service's message for a transaction id it does not hold (unknown, ended, expired or aborted). */
export const transactionNotFound = (transactionId: string) =>
  new DataApiError('TransactionNotFoundException', `Transaction ${transactionId} is not found`);

/** The fields of a PostgreSQL ErrorResponse that the service reports. */
interface PostgresErrorFields {
  message: string;
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
}

/**
 * Maps an error raised while talking to PostgreSQL to the service's error:
 * an ErrorResponse becomes DatabaseErrorException with the server's message laid out
 * as the service lays it out (`ERROR: … ; SQLState: 23505`); a connection that cannot
 * be made or is lost becomes DatabaseUnavailableException.
 */
export function fromDatabaseError(error: unknown): DataApiError {
  if (error instanceof DataApiError) return error;
  if (isPostgresError(error)) {
    const lines = [`${error.severity ?? 'ERROR'}: ${error.message}`];
    if (error.detail) lines.push(`  Detail: ${error.detail}`);
    if (error.hint) lines.push(`  Hint: ${error.hint}`);
    if (error.position) lines.push(`  Position: ${error.position}`);
    if (error.where) lines.push(`  Where: ${error.where}`);
    return new DataApiError('DatabaseErrorException', `${lines.join('\n')}; SQLState: ${error.code}`);
  }
  if (isConnectionError(error)) {
    return new DataApiError('DatabaseUnavailableException', `The database is unavailable: ${describe(error)}`);
  }
  return new DataApiError('InternalServerErrorException', `Unexpected error: ${describe(error)}`);
}

function isPostgresError(error: unknown): error is PostgresErrorFields & { code: string } {
  if (!(error instanceof Error)) return false;
  const fields = error as Error & PostgresErrorFields;
  return typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) && typeof fields.severity === 'string';
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|database is closed|PGlite is closed/i.test(
    error.message,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
