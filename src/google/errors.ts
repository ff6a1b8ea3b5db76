export type CloudLoggingErrorCode =
  | "NO_CREDENTIALS"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  | "NOT_FOUND"
  | "INVALID_ARGUMENT"
  | "RETRIES_EXHAUSTED"
  | "COST_LIMIT"
  | "NO_LINK"
  | "UNKNOWN";

/**
 * A Cloud Logging read that failed for a reason the user can act on. `message` is one line meant for
 * users (the CLI prints it as is, the worklog quotes it); `grpcCode` is the gRPC status when there was one,
 * and `cause` the original error.
 */
export class CloudLoggingError extends Error {
  override name = "CloudLoggingError";
  readonly code: CloudLoggingErrorCode;
  readonly grpcCode?: number;

  constructor(
    code: CloudLoggingErrorCode,
    message: string,
    options: { grpcCode?: number; cause?: unknown } = {},
  ) {
    super(
      message.replace(/\s*\n\s*/g, " "),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    if (options.grpcCode !== undefined) this.grpcCode = options.grpcCode;
  }
}
