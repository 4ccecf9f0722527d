import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { findTextFault } from '../input/text-faults';
import { invalidPayload } from './app-error';

/**
 * Validates request bodies against their DTO classes (class-validator) and answers INVALID_PAYLOAD
 * naming the first offending field. Unknown fields are refused rather than silently dropped, and so is
 * text that could not be stored as it is (a NUL character, a lone surrogate), wherever it is.
 */
@Injectable()
export class PayloadValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      forbidUnknownValues: true,
      exceptionFactory: (errors) => {
        const [field, message] = firstProblem(errors);
        return invalidPayload(`Invalid payload: ${message}.`, field);
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && this.toValidate(metadata)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw invalidPayload('Invalid payload: the request body must be a JSON object.');
      }
    }
    if (this.toValidate(metadata)) {
      const found = findTextFault(value);
      if (found) throw invalidPayload(`Invalid payload: "${found.path}" holds ${found.fault}, which can not be stored.`, found.path);
    }
    return super.transform(value, metadata);
  }
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
