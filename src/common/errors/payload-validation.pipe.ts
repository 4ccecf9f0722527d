import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidatorOptions } from 'class-validator';
import { findTextFault } from '../input/text-faults';
import { invalidPayload } from './app-error';

const OPTIONS: ValidatorOptions = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

/**
 * Validates request bodies against their DTO classes (class-validator) and answers INVALID_PAYLOAD
 * naming the first offending field. Unknown fields are refused rather than silently dropped, and so is
 * text that could not be stored as it is (a NUL character, a lone surrogate), wherever it is.
 */
@Injectable()
export class PayloadValidationPipe extends ValidationPipe {
  constructor() {
    super({ ...OPTIONS, transform: true, exceptionFactory: payloadError });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Most parameters are no DTO (the workspace access, a path parameter, the raw query): answered at
    // once, as the base pipe would answer them, without its checks per parameter.
    if (!this.toValidate(metadata)) return this.transformPrimitive(value, metadata);
    if (metadata.type === 'body' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw invalidPayload('Invalid payload: the request body must be a JSON object.');
    }
    const found = findTextFault(value);
    if (found) throw invalidPayload(`Invalid payload: "${found.path}" holds ${found.fault}, which can not be stored.`, found.path);
    return super.transform(value, metadata);
  }
}

/**
 * Checks an object against a DTO class as the pipe checks a request body, for objects that arrive
 * inside another body (a schema snapshot's entries); answers the DTO instance.
 */
export function validatedPayload<T extends object>(type: new () => T, value: unknown): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidPayload('Invalid payload: it must be a JSON object.');
  const instance = plainToInstance(type, value);
  const errors = validateSync(instance, OPTIONS);
  if (errors.length > 0) throw payloadError(errors);
  return instance;
}

function payloadError(errors: ValidationError[]) {
  const [field, message] = firstProblem(errors);
  return invalidPayload(`Invalid payload: ${message}.`, field);
}

function firstProblem(errors: ValidationError[], path = ''): [string, string] {
  for (const error of errors) {
    const field = path ? `${path}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) return [field, messages[0].replace(/^property (\S+) should not exist$/, '"$1" is not an allowed field')];
    if (error.children?.length) return firstProblem(error.children, field);
  }
  return ['', 'the request body is invalid'];
}
