/** A mistake in how the tool was called or configured: one line on stderr, exit 2, no stack trace. */
export class UsageError extends Error {}

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
