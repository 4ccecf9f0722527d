/** An error the API answered, in its envelope: the message is shown to the user as it came. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extensions: Record<string, unknown> = {},
    /** Every entry of the envelope: validation failures carry one per field and rule. */
    readonly all: { message: string; extensions: Record<string, unknown> }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get field(): string | undefined {
    return typeof this.extensions.field === 'string' ? this.extensions.field : undefined;
  }
}

interface Envelope {
  errors?: { message?: string; extensions?: Record<string, unknown> }[];
}

/** Reads the error envelope of a failed response; a body that is not one still gives a readable error. */
export function errorFromBody(status: number, body: unknown): ApiError {
  const entries = (body as Envelope | null)?.errors;
  if (Array.isArray(entries) && entries.length > 0) {
    const all = entries.map((entry) => ({ message: entry.message ?? 'Request failed.', extensions: entry.extensions ?? {} }));
    return new ApiError(status, String(all[0].extensions.code ?? 'ERROR'), all[0].message, all[0].extensions, all);
  }
  return new ApiError(status, 'ERROR', `The server answered ${status} without an explanation.`);
}

/** A message for anything thrown: the API's own words, or what went wrong on the way. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'Cairn could not be reached. Check that it is running, then try again.';
  if (error instanceof Error) return error.message;
  return String(error);
}
