import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { invalidPayload } from './app-error';

/**
 * Validates request bodies against their DTO classes (class-validator) and answers INVALID_PAYLOAD
 * naming the first offending field. Unknown fields are refused rather than silently dropped.
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
