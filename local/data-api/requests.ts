import { z } from 'zod';
import { badRequest } from './errors.js';

/**
 * Request bodies of the five operations, as the SDK serialises them. Unknown members
 * are ignored, as the service ignores them; missing or mistyped required members are
 * a BadRequestException naming the member.
 */

const nonEmpty = (member: string) => z.string({ error: `${member} is required` }).min(1, { error: `${member} must not be empty` });

const wireDouble = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

export interface WireArrayValueInput {
  booleanValues?: Array<boolean | null> | undefined;
  longValues?: Array<number | null> | undefined;
  doubleValues?: Array<number | string | null> | undefined;
  stringValues?: Array<string | null> | undefined;
  arrayValues?: WireArrayValueInput[] | undefined;
}

const arrayValue: z.ZodType<WireArrayValueInput> = z.lazy(() =>
  z.object({
    booleanValues: z.array(z.boolean().nullable()).optional(),
    longValues: z.array(z.number().int().nullable()).optional(),
    doubleValues: z.array(wireDouble.nullable()).optional(),
    stringValues: z.array(z.string().nullable()).optional(),
    arrayValues: z.array(arrayValue).optional(),
  }),
);

export const fieldInput = z.object({
  isNull: z.boolean().optional(),
  booleanValue: z.boolean().optional(),
  longValue: z.number().int({ error: 'longValue must be an integer' }).optional(),
  doubleValue: wireDouble.optional(),
  stringValue: z.string().optional(),
  blobValue: z.base64({ error: 'blobValue must be base64' }).optional(),
  arrayValue: arrayValue.optional(),
});

export type FieldInput = z.infer<typeof fieldInput>;

export const TYPE_HINTS = ['JSON', 'UUID', 'TIMESTAMP', 'DATE', 'TIME', 'DECIMAL'] as const;
export type TypeHint = (typeof TYPE_HINTS)[number];

export const sqlParameterInput = z.object({
  name: nonEmpty('parameter name'),
  value: fieldInput,
  typeHint: z.enum(TYPE_HINTS, { error: `typeHint must be one of ${TYPE_HINTS.join(', ')}` }).optional(),
});

export type SqlParameterInput = z.infer<typeof sqlParameterInput>;

const target = {
  resourceArn: nonEmpty('resourceArn'),
  secretArn: nonEmpty('secretArn'),
  database: z.string().optional(),
  schema: z.string().optional(),
};

export const executeStatementRequest = z.object({
  ...target,
  sql: nonEmpty('sql'),
  parameters: z.array(sqlParameterInput).optional(),
  transactionId: z.string().optional(),
  includeResultMetadata: z.boolean().optional(),
  continueAfterTimeout: z.boolean().optional(),
  resultSetOptions: z
    .object({
      decimalReturnType: z.enum(['STRING', 'DOUBLE_OR_LONG']).optional(),
      longReturnType: z.enum(['STRING', 'LONG']).optional(),
    })
    .optional(),
  formatRecordsAs: z.enum(['NONE', 'JSON']).optional(),
});

export const batchExecuteStatementRequest = z.object({
  ...target,
  sql: nonEmpty('sql'),
  parameterSets: z.array(z.array(sqlParameterInput)).optional(),
  transactionId: z.string().optional(),
});

export const beginTransactionRequest = z.object(target);

export const endTransactionRequest = z.object({
  resourceArn: nonEmpty('resourceArn'),
  secretArn: nonEmpty('secretArn'),
  transactionId: nonEmpty('transactionId'),
});

export type ExecuteStatementRequest = z.infer<typeof executeStatementRequest>;
export type BatchExecuteStatementRequest = z.infer<typeof batchExecuteStatementRequest>;
export type BeginTransactionRequest = z.infer<typeof beginTransactionRequest>;
export type EndTransactionRequest = z.infer<typeof endTransactionRequest>;

/** Parses a request body, or throws the BadRequestException the service would. */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
  throw badRequest(`${issue?.message ?? 'Invalid request'}${path}`);
}
