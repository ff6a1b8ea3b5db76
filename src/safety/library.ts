// The second detector of the posting gate: secretlint's recommended rule preset, run on text that is about to
// be posted (titles, templates, samples, comments) after our own rules, never on every log line. What it
// finds becomes a literal secret of the redactor, so every later rendering of that text redacts it too.
//
// Two settings differ from the preset's defaults: the AWS rule also looks for access key ids and account ids,
// and the `secretlint-disable` comment filter is left out, since log text is written by whoever wrote the log.
// The preset's rules are registered one by one: secretlint 11 ignores `disabled` on a rule inside a preset.

import { lintSource } from "@secretlint/core";
import { rules as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import type { LearnedSecret, Redactor } from "./redact.js";

type CoreConfig = Parameters<typeof lintSource>[0]["options"]["config"];
type Message = Awaited<ReturnType<typeof lintSource>>["messages"][number];

const OPTIONS: Record<string, object> = { "@secretlint/secretlint-rule-aws": { enableIDScanRule: true } };
const CONFIG: CoreConfig = {
  rules: recommended
    .filter((rule) => rule.meta.id !== "@secretlint/secretlint-rule-filter-comments")
    .map((rule) => ({ id: rule.meta.id, rule, options: OPTIONS[rule.meta.id] ?? {} })),
};

// secretlint's message ids, as our kinds.
const KINDS: Record<string, string> = {
  AWSAccessKeyID: "aws-access-key-id",
  AWSSecretAccessKey: "aws-secret-key",
  AWSAccountID: "aws-account-id",
  PrivateKeyJSON: "private-key",
  PrivateKeyP12: "private-key",
  PrivateKey: "private-key",
  Npmrc_authToken: "npm-token",
  NPM_ACCESS_TOKEN: "npm-token",
  PackageJSON_xOauthToken: "github-token",
  SLACK_TOKEN: "slack-token",
  IncomingWebhook: "slack-webhook",
  BasicAuth: "password",
  OPENAI_TOKEN: "openai-key",
  ANTHROPIC_API_KEY: "anthropic-key",
  LINEAR_API_TOKEN: "linear-key",
  SENDGRID_KEY: "sendgrid-key",
  SHOPIFY_KEY: "shopify-token",
  GITHUB_TOKEN: "github-token",
  OPS_TOKEN: "1password-token",
  MongoDBConnection: "password",
  MySQLConnection: "password",
  PostgreSQLConnection: "password",
};

const kindOf = (messageId: string): string =>
  KINDS[messageId] ??
  messageId
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();

const URL_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@]*:([^\s]+)@[^@\s]*$/;
const KEY_AND_VALUE = /^["']?[A-Za-z_][\w.-]{0,63}["']?\s*(?::|=>|=)\s*["']?(.+?)["']?$/;

/** The secret part of what a rule reported: the password of a URL, the value of `key: value`, or all of it. */
function secretPart(found: string): string {
  return URL_PASSWORD.exec(found)?.[1] ?? KEY_AND_VALUE.exec(found)?.[1] ?? found;
}

/** What the message found. Its `data` names the secret; its range is not always right (the AWS secret rule). */
function foundText(message: Message, content: string): string | undefined {
  const data = Object.values((message as { data?: Record<string, unknown> }).data ?? {});
  const named = data.find((v): v is string => typeof v === "string" && v.length >= 6 && content.includes(v));
  const found = named ?? content.slice(message.range[0], message.range[1]);
  if (found.includes("[REDACTED")) return undefined; // our rules already took the secret out of it
  const secret = secretPart(found).trim();
  return secret.length >= 6 ? secret : undefined;
}

const CHUNK = 1 << 20;

/** Runs the library over `texts` (joined in chunks of about 1 MB) and returns the secrets it found. */
export async function librarySecrets(texts: Iterable<string>): Promise<LearnedSecret[]> {
  const chunks: string[] = [];
  let chunk = "";
  for (const t of texts) {
    if (chunk.length > 0 && chunk.length + t.length > CHUNK) {
      chunks.push(chunk);
      chunk = "";
    }
    chunk += t + "\n\n";
  }
  if (chunk !== "") chunks.push(chunk);
  const found = new Map<string, LearnedSecret>();
  for (const content of chunks) {
    const result = await lintSource({
      source: { content, filePath: "posted.txt", ext: ".txt", contentType: "text" },
      options: { config: CONFIG, noPhysicFilePath: true },
    });
    for (const message of result.messages) {
      const text = foundText(message, content);
      if (text && !found.has(text))
        found.set(text, { text, kind: kindOf(message.messageId), rule: `library:${message.ruleId}` });
    }
  }
  return [...found.values()];
}

export interface ScreenReport {
  /** Distinct texts screened, and their characters. */
  texts: number;
  chars: number;
  /** Secrets the library found that our rules had left, now redacted by the redactor. */
  learned: LearnedSecret[];
}

/**
 * The library half of the posting gate: `texts` are redacted by our rules, as they would be posted (unless
 * `redacted` says they already are), then screened by the library; what it finds is taught to `redactor`,
 * which redacts it from then on.
 */
export async function screenForPosting(
  redactor: Redactor,
  texts: Iterable<string>,
  redacted = false,
): Promise<ScreenReport> {
  const distinct = [...new Set(texts)].filter((t) => t !== "");
  const posted = redacted ? distinct : distinct.map((t) => redactor.redactText(t));
  const found = await librarySecrets(posted);
  redactor.learn(found);
  return { texts: posted.length, chars: posted.reduce((n, t) => n + t.length, 0), learned: found };
}
