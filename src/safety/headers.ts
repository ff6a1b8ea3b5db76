// Authentication material with its own syntax: PEM private keys, `Authorization` and `Cookie` headers,
// `Bearer …` and `Basic …` credentials anywhere, and JWTs.

import { type Context, onlyHidden, sub, type Rule } from "./engine.js";
import { type KeyMatch, subKeyed } from "./keyed.js";
import { worthRedacting } from "./keys.js";

// ---------------------------------------------------------------------------------------------------------
// Private keys (PEM): BEGIN … END, or BEGIN … end of text when the END line is missing.

export const PEM_BEGIN = /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY[ A-Z]{0,10}-----/g;
export const PEM_END = /-----END[ A-Z0-9]{0,40}PRIVATE KEY[ A-Z]{0,10}-----/g;

function redactPem(text: string, ctx: Context): string {
  let out = "";
  let last = 0;
  PEM_BEGIN.lastIndex = 0;
  let begin: RegExpExecArray | null;
  while ((begin = PEM_BEGIN.exec(text)) !== null) {
    PEM_END.lastIndex = begin.index + begin[0].length;
    const end = PEM_END.exec(text);
    out += text.slice(last, begin.index) + ctx.hide("private-key", "ours:private-key");
    if (!end) return out;
    last = end.index + end[0].length;
    PEM_BEGIN.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** True when `text` opens a PEM private key that it does not close. */
export function pemLeftOpen(text: string): boolean {
  let open = false;
  const re = /-----(BEGIN|END)[ A-Z0-9]{0,40}PRIVATE KEY[ A-Z]{0,10}-----/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) open = m[1] === "BEGIN";
  return open;
}

// ---------------------------------------------------------------------------------------------------------
// Header-like `key: value` pairs (Authorization, Cookie).

// Values: \"escaped JSON\" | "double" | 'single' | unquoted. The separator allows `["…"]` (Go's http.Header).
const VALUE =
  '(?:\\\\"((?:[^"\\\\\\r\\n]|\\\\[^"\\r\\n]){0,4096})\\\\"' +
  '|"((?:[^"\\\\\\r\\n]|\\\\.){0,4096})"' +
  "|'((?:[^'\\\\\\r\\n]|\\\\.){0,4096})'" +
  "|(UNQUOTED))";
const KEY_PREFIX = "(?<![A-Za-z0-9_.\\-])(\\\\?[\"']?)";
const SEPARATOR = "([ \\t]*[:=][ \\t]*\\[?[ \\t]*)";

export const AUTH_SCHEMES =
  "bearer|basic|digest|token|negotiate|ntlm|bot|oauth|apikey|key|sso|ssws|jwt|aws4-hmac-sha256";
const AUTH_KEY = new RegExp(
  KEY_PREFIX + "((?:proxy-)?authorization|x-api-key|x-auth-token|x-goog-api-key|api-key)\\1" + SEPARATOR,
  "gi",
);
const AUTH_VALUE = valueRegex(`(?:(?:${AUTH_SCHEMES})[ \\t]+)?[^\\s"',;\\]]{1,4096}`, "i");
const COOKIE_KEY = new RegExp(KEY_PREFIX + "(set-cookie|cookie)\\1" + SEPARATOR, "gi");
const COOKIE_VALUE = valueRegex("[^\\r\\n\"'\\]]{1,8192}");

function valueRegex(unquoted: string, flags = ""): RegExp {
  return new RegExp(VALUE.replace("UNQUOTED", unquoted), "y" + flags);
}

/** Like keyed.ts's subKeyed, with a value regex of the header's own syntax. */
function subHeader(
  text: string,
  keyRe: RegExp,
  valueRe: RegExp,
  fn: (key: KeyMatch, value: string) => string | undefined,
): string {
  return subKeyed(
    text,
    keyRe,
    (key, value) => fn(key, value),
    () => true,
    (at) => {
      valueRe.lastIndex = at;
      const v = valueRe.exec(text);
      if (!v) return undefined;
      for (let g = 1; g <= 4; g++) {
        const value = v[g];
        if (value === undefined) continue;
        const end = at + v[0].length - (g === 1 ? 2 : g === 4 ? 0 : 1);
        return { start: end - value.length, end, quoted: g !== 4 };
      }
      return undefined;
    },
  );
}

/** The replacement of an Authorization-like value: the scheme stays, the credential goes. */
export function authValue(value: string, ctx: Context, fallbackKind: string): string | undefined {
  if (!worthRedacting(fallbackKind, value) || onlyHidden(value)) return undefined;
  const scheme = /^([A-Za-z][A-Za-z0-9-]*)([ \t]+)(\S[\s\S]*)$/.exec(value);
  if (scheme && new RegExp(`^(?:${AUTH_SCHEMES})$`, "i").test(scheme[1])) {
    if (onlyHidden(scheme[3])) return undefined;
    const name = scheme[1].toLowerCase();
    const kind = name === "bearer" ? "bearer-token" : name === "basic" ? "basic-auth" : "authorization";
    return scheme[1] + scheme[2] + ctx.hide(kind, "ours:auth-header");
  }
  return ctx.hide(fallbackKind, "ours:auth-header");
}

const SET_COOKIE_ATTRIBUTES = new Set([
  "path",
  "domain",
  "expires",
  "max-age",
  "samesite",
  "secure",
  "httponly",
  "partitioned",
  "priority",
]);

function cookieValue(value: string, setCookie: boolean, ctx: Context): string {
  return value
    .split(";")
    .map((part, i) => {
      const pair = /^(\s*)([^=]*)=([\s\S]*)$/.exec(part);
      if (!pair) {
        if (setCookie || part.trim() === "" || onlyHidden(part)) return part;
        return part.replace(/\S[\s\S]*/, ctx.hide("cookie", "ours:cookie"));
      }
      const name = pair[2].trim().toLowerCase();
      if (setCookie && i > 0 && SET_COOKIE_ATTRIBUTES.has(name)) return part;
      if (pair[3].trim() === "" || onlyHidden(pair[3])) return part;
      return pair[1] + pair[2] + "=" + ctx.hide("cookie", "ours:cookie");
    })
    .join(";");
}

// ---------------------------------------------------------------------------------------------------------
// Standalone auth material

const BEARER = /(?<![A-Za-z0-9_-])(bearer)([ \t]+)([A-Za-z0-9\-._~+/]{16,4096}=*)(?![A-Za-z0-9\-._~+/=])/gi;
const BASIC = /(?<![A-Za-z0-9_-])(basic)([ \t]+)([A-Za-z0-9+/]{6,4096}={0,2})(?![A-Za-z0-9+/=])/gi;
const JWT =
  /(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{5,16384}\.[A-Za-z0-9_-]{0,4096}(?![A-Za-z0-9_-])/g;

function looksLikeBasicCredentials(b64: string): boolean {
  const decoded = Buffer.from(b64, "base64").toString("latin1");
  return /^[\x20-\x7e]{0,256}:[\x20-\x7e]{0,1024}$/.test(decoded) && decoded.indexOf(":") > 0;
}

export function privateKeyRule(): Rule {
  return { hint: /PRIVATE KEY/, apply: redactPem };
}

export function headerRules(): Rule[] {
  return [
    {
      hint: /authorization|api-key|auth-token/i,
      apply: (text, ctx) =>
        subHeader(text, AUTH_KEY, AUTH_VALUE, (key, value) =>
          authValue(value, ctx, /authorization/i.test(key.key) ? "authorization" : "api-key"),
        ),
    },
    {
      hint: /cookie/i,
      apply: (text, ctx) =>
        subHeader(text, COOKIE_KEY, COOKIE_VALUE, (key, value) => {
          const replaced = cookieValue(value, key.key.toLowerCase() === "set-cookie", ctx);
          return replaced === value ? undefined : replaced;
        }),
    },
    {
      hint: /bearer/i,
      apply: (text, ctx) => sub(text, BEARER, (m) => m[1] + m[2] + ctx.hide("bearer-token", "ours:bearer")),
    },
    {
      hint: /basic/i,
      apply: (text, ctx) =>
        sub(text, BASIC, (m) =>
          looksLikeBasicCredentials(m[3])
            ? m[1] + m[2] + ctx.hide("basic-auth", "ours:basic-auth")
            : undefined,
        ),
    },
    { hint: /eyJ/, apply: (text, ctx) => sub(text, JWT, () => ctx.hide("jwt", "ours:jwt")) },
  ];
}
