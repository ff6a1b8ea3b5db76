import { getTransformStream } from "@probot/pino";
import { pino, type Logger } from "pino";

/** Headers that carry credentials (lower case, as Node gives them): never written to a log line. */
export const CREDENTIAL_HEADERS = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-hub-signature",
  "x-hub-signature-256",
  "x-api-key",
  "x-goog-iap-jwt-assertion",
] as const;

/** What a log line shows in place of a credential. */
export const REDACTED = "[redacted]";

/**
 * Where headers sit in a log line: pino-http's `req`/`res` (Probot logs every request), an Octokit
 * error's `request`/`response`, and any object logged with its own `headers`.
 */
const HEADER_HOLDERS = ["req.headers", "res.headers", "*.headers", "*.request.headers", "*.response.headers"];

export const REDACT_PATHS = HEADER_HOLDERS.flatMap((h) =>
  CREDENTIAL_HEADERS.map((name) => `${h}["${name}"]`),
);

export interface LogSettings {
  level: string;
  format: "json" | "pretty";
  levelInString: boolean;
  messageKey?: string;
  sentryDsn?: string;
}

/** Probot's log settings from the environment, with Probot's defaults (`LOG_FORMAT`, `LOG_LEVEL`, …). */
export function logSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LogSettings {
  const format = env.LOG_FORMAT ? env.LOG_FORMAT : env.NODE_ENV === "production" ? "json" : "pretty";
  return {
    level: env.LOG_LEVEL || "info",
    format: format === "pretty" ? "pretty" : "json",
    levelInString: env.LOG_LEVEL_IN_STRING === "true",
    messageKey: env.LOG_MESSAGE_KEY || undefined,
    sentryDsn: env.SENTRY_DSN || undefined,
  };
}

/**
 * The server's logger: Probot's own (same formats, same Sentry hook), with credential-carrying headers
 * redacted from every line, including the request lines Probot's HTTP logger writes.
 */
export async function createAppLog(
  settings: LogSettings,
  destination?: NodeJS.WritableStream,
): Promise<Logger> {
  const transform = await getTransformStream({
    logFormat: settings.format,
    logLevelInString: settings.levelInString,
    sentryDsn: settings.sentryDsn,
  });
  transform.pipe(destination ?? (pino.destination(1) as unknown as NodeJS.WritableStream));
  return pino(
    {
      level: settings.level,
      name: "probot",
      messageKey: settings.messageKey ?? "msg",
      redact: { paths: REDACT_PATHS, censor: REDACTED },
    },
    transform,
  );
}
