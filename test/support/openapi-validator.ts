import { Validator } from '@seriousme/openapi-schema-validator';

/**
 * Validates a document against the OpenAPI specification's own JSON schema (the version it declares),
 * answering the validator's errors, or an empty list for a valid document.
 */
export async function openApiErrors(document: Record<string, unknown>): Promise<string[]> {
  const validator = new Validator();
  const result = await validator.validate(document);
  if (result.valid) return [];
  const errors = result.errors ?? [];
  return typeof errors === 'string' ? [errors] : errors.map((error) => `${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}
