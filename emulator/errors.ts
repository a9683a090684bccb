/** gRPC-gateway style errors: `{code, message, request_id}` with the matching HTTP status. */

export const Code = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const STATUS_BY_CODE: Record<number, number> = {
  3: 400,
  5: 404,
  6: 409,
  8: 429,
  9: 400,
  12: 501,
  14: 503,
  16: 401,
};

export function httpStatusFor(code: number): number {
  return STATUS_BY_CODE[code] ?? 500;
}

export class ApiError extends Error {
  readonly code: number;
  /** Overrides the status derived from `code` (e.g. 405 for a method not allowed). */
  readonly status: number;
  constructor(code: number, message: string, status?: number) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status ?? httpStatusFor(code);
  }
}

export const invalid = (message: string): ApiError => new ApiError(Code.INVALID_ARGUMENT, message);
export const notFound = (message: string): ApiError => new ApiError(Code.NOT_FOUND, message);
export const alreadyExists = (message: string): ApiError => new ApiError(Code.ALREADY_EXISTS, message);
export const precondition = (message: string): ApiError => new ApiError(Code.FAILED_PRECONDITION, message);
