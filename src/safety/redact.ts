// Redaction of secrets and personal data in log text, before anything leaves the process.
//
// How it works: rules run in a fixed order, most specific first (config extras, private keys, credentials in
// URLs, auth headers, cookies, provider tokens, JWTs, generic `key=value`, then e-mail, IP, card and phone
// numbers). A rule swaps what it finds for an opaque placeholder made of private-use characters, so later
// rules can neither match inside an earlier replacement nor re-match it; placeholders become
// `[REDACTED:<kind>]` at the very end. Every regex is linear-time: quantifiers are bounded, candidates start
// only at token boundaries (lookbehind), and nothing nests an unbounded repetition inside another.

import { isIPv4, isIPv6 } from "node:net";
import { compilePattern, matchSpans, type UserPattern } from "../config/pattern.js";

export interface RedactionPattern {
  /** Shown in the output as `[REDACTED:<name>]`. */
  name: string;
  /**
   * Regex source. A leading `(?i)` makes it case-insensitive (as in config rules). When the pattern has a
   * named group `secret`, only that group is replaced; otherwise the whole match is.
   */
  pattern: string;
}

export interface Redactor {
  /** Returns `text` with every secret and personal datum replaced by `[REDACTED:<kind>]`. */
  redactText(text: string): string;
  /**
   * Deep copy of `value` with every string redacted (object keys too), and the whole value of any key whose
   * name says secret (`password`, `token`, `api_key`, `authorization`, `cookie`, `session`, …) replaced.
   * Plain objects and arrays are walked; other objects (Date, Map, class instances) are returned as they are.
   */
  redactValue<T>(value: T): T;
  /**
   * A stateful redactor for a stream of lines: a PEM private key whose body spans several lines is redacted
   * whole (each of its lines becomes `[REDACTED:private-key]`). Use one per stream.
   */
  lineByLine(): (line: string) => string;
}

export class RedactionPatternError extends Error {}

/** Luhn checksum over a string of digits (other characters ignored). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    const c = digits.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// ---------------------------------------------------------------------------------------------------------
// Key names that say "secret"

const STRONG_KEY_WORDS: Array<[RegExp, string]> = [
  [/passw(?:or)?d|passphrase|passwort|contrasena|motdepasse/, "password"],
  [/awssecret|secretaccesskey/, "aws-secret-key"],
  [/privatekey/, "private-key"],
  [/clientsecret/, "client-secret"],
  [/secret/, "secret"],
  [/apikey|apitoken/, "api-key"],
  [/accesskey|accountkey|signingkey|encryptionkey|masterkey|secretkey/, "secret-key"],
  [/sessionid|sessid|sessiontoken|sessionkey|sessioncookie/, "session"],
  [/cookie/, "cookie"],
  [/credential/, "credentials"],
  [/authorization/, "authorization"],
  [/token(?!s|iz)/, "token"],
];

// Short words that only count as a whole segment of the key (`db_pass`, `x-auth`, `connect.sid`).
const WEAK_KEY_SEGMENTS: Record<string, string> = {
  pass: "password",
  pwd: "password",
  pw: "password",
  auth: "auth",
  session: "session",
  sid: "session",
  sig: "signature",
  signature: "signature",
  jwt: "jwt",
  otp: "otp",
};

// A key ending in one of these describes a secret without holding it (`token_count`, `password_length`).
const NOT_SECRET_LAST_SEGMENT = new Set(
  (
    "count counts len length limit size ttl type kind expiry expires expiration exp in at max min used usage " +
    "name names url uri path file version enabled disabled required present valid missing error errors status " +
    "state mode start end started ended duration timeout created updated rotated policy format provider source " +
    "index idx ms sec secs seconds hint set changed reset"
  ).split(" "),
);

/** The kind of secret a key name announces (`"password"`, `"token"`, …), or undefined for ordinary keys. */
export function secretKeyKind(key: string): string | undefined {
  if (key.length === 0 || key.length > 128) return undefined;
  const segments = key
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter((s) => s !== "")
    .map((s) => s.toLowerCase());
  if (segments.length === 0) return undefined;
  if (segments.length > 1 && NOT_SECRET_LAST_SEGMENT.has(segments[segments.length - 1])) return undefined;
  const joined = segments.join("");
  for (const [re, kind] of STRONG_KEY_WORDS) if (re.test(joined)) return kind;
  for (const s of segments) {
    const kind = WEAK_KEY_SEGMENTS[s];
    if (kind) return kind;
  }
  return undefined;
}

const NOT_A_SECRET_VALUE =
  /^(?:|true|false|null|nil|none|undefined|yes|no|n\/a|-|\*+|x{3,}|\.\.\.|…|redacted|hidden|masked|<redacted>|\[redacted[^\]]*\])$/i;

// Kinds whose value is redacted even in prose-like `key: value` (no digits needed).
const STRICT_KINDS = new Set([
  "password",
  "secret",
  "client-secret",
  "private-key",
  "aws-secret-key",
  "credentials",
]);

function worthRedacting(kind: string, value: string): boolean {
  const v = value.trim();
  if (NOT_A_SECRET_VALUE.test(v)) return false;
  if ((kind === "session" || kind === "auth") && /^\d{1,6}$/.test(v)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Placeholders

const OPEN = "\uE000";
const CLOSE = "\uE001";
const DIGIT0 = 0xe010;
const PLACEHOLDER_RE = /\uE000([\uE010-\uE019]+)\uE001/g;
const ONLY_PLACEHOLDERS_RE = /^(?:\s*\uE000[\uE010-\uE019]+\uE001)+\s*$/;

class Context {
  readonly labels: string[] = [];

  hide(kind: string): string {
    return this.hideLabel(`[REDACTED:${kind}]`);
  }

  hideLabel(label: string): string {
    const index = this.labels.push(label) - 1;
    let code = "";
    for (const ch of String(index)) code += String.fromCharCode(DIGIT0 + ch.charCodeAt(0) - 48);
    return OPEN + code + CLOSE;
  }

  restore(text: string): string {
    return text.replace(PLACEHOLDER_RE, (_m, code: string) => {
      let index = 0;
      for (const ch of code) index = index * 10 + (ch.charCodeAt(0) - DIGIT0);
      return this.labels[index] ?? "[REDACTED]";
    });
  }
}

const ALREADY_REDACTED = /\[REDACTED(?::[A-Za-z0-9._-]{1,64})?\]/g;
const onlyHidden = (value: string): boolean => ONLY_PLACEHOLDERS_RE.test(value);

/**
 * Global replace where the callback may decline (undefined): then the search resumes one character after the
 * start of the declined match, so a secret inside a declined span (a quoted message, say) is still found.
 */
function sub(text: string, re: RegExp, fn: (m: RegExpExecArray) => string | undefined): string {
  re.lastIndex = 0;
  let out = "";
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const replacement = m[0] === "" ? undefined : fn(m);
    if (replacement === undefined) {
      re.lastIndex = m.index + 1;
      continue;
    }
    out += text.slice(last, m.index) + replacement;
    last = m.index + m[0].length;
    re.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

type Rule = { hint?: RegExp; apply: (text: string, ctx: Context) => string };

// Token boundaries: not preceded / followed by a character that could be part of the same token.
const L = "(?<![A-Za-z0-9_\\-])";
const R = "(?![A-Za-z0-9_\\-])";

function simpleRule(kind: string, source: string, flags = "g", valid?: (s: string) => boolean): Rule {
  const re = new RegExp(L + "(?:" + source + ")" + R, flags);
  return {
    apply: (text, ctx) => sub(text, re, (m) => (valid && !valid(m[0]) ? undefined : ctx.hide(kind))),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Private keys (PEM): BEGIN … END, or BEGIN … end of text when the END line is missing.

const PEM_BEGIN = /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY[ A-Z]{0,10}-----/g;
const PEM_END = /-----END[ A-Z0-9]{0,40}PRIVATE KEY[ A-Z]{0,10}-----/g;

function redactPem(text: string, ctx: Context): string {
  let out = "";
  let last = 0;
  PEM_BEGIN.lastIndex = 0;
  let begin: RegExpExecArray | null;
  while ((begin = PEM_BEGIN.exec(text)) !== null) {
    PEM_END.lastIndex = begin.index + begin[0].length;
    const end = PEM_END.exec(text);
    out += text.slice(last, begin.index) + ctx.hide("private-key");
    if (!end) return out;
    last = end.index + end[0].length;
    PEM_BEGIN.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** True when `text` opens a PEM private key that it does not close. */
function pemLeftOpen(text: string): boolean {
  let open = false;
  const re = /-----(BEGIN|END)[ A-Z0-9]{0,40}PRIVATE KEY[ A-Z]{0,10}-----/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) open = m[1] === "BEGIN";
  return open;
}

// ---------------------------------------------------------------------------------------------------------
// Credentials in URLs and connection strings: scheme://user:password@host

const URL_CREDENTIALS =
  /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)([^\s:/?#@"'<>[\]]{0,256}):([^\s/?#"'<>]{1,256})@/g;

// ---------------------------------------------------------------------------------------------------------
// Header-like `key: value` pairs (Authorization, Cookie) and the generic `secret_key=value`.

// Values: \"escaped JSON\" | "double" | 'single' | unquoted. The separator allows `["…"]` (Go's http.Header).
const VALUE =
  '(?:\\\\"((?:[^"\\\\\\r\\n]|\\\\[^"\\r\\n]){0,4096})\\\\"' +
  '|"((?:[^"\\\\\\r\\n]|\\\\.){0,4096})"' +
  "|'((?:[^'\\\\\\r\\n]|\\\\.){0,4096})'" +
  "|(UNQUOTED))";
const KEY_PREFIX = "(?<![A-Za-z0-9_.\\-])(\\\\?[\"']?)";
const SEPARATOR = "([ \\t]*[:=][ \\t]*\\[?[ \\t]*)";

const AUTH_SCHEMES =
  "bearer|basic|digest|token|negotiate|ntlm|bot|oauth|apikey|key|sso|ssws|jwt|aws4-hmac-sha256";
const AUTH_KEY = new RegExp(
  KEY_PREFIX + "((?:proxy-)?authorization|x-api-key|x-auth-token|x-goog-api-key|api-key)\\1" + SEPARATOR,
  "gi",
);
const AUTH_VALUE = valueRegex(`(?:(?:${AUTH_SCHEMES})[ \\t]+)?[^\\s"',;\\]]{1,4096}`, "i");
const COOKIE_KEY = new RegExp(KEY_PREFIX + "(set-cookie|cookie)\\1" + SEPARATOR, "gi");
const COOKIE_VALUE = valueRegex("[^\\r\\n\"'\\]]{1,8192}");
const ANY_KEY = new RegExp(KEY_PREFIX + "([A-Za-z_$@][A-Za-z0-9_.\\-]{0,63})\\1" + SEPARATOR, "g");
const ANY_VALUE = valueRegex("[^\\s\"'&;,<>)}\\]\\\\]{1,4096}");

function valueRegex(unquoted: string, flags = ""): RegExp {
  return new RegExp(VALUE.replace("UNQUOTED", unquoted), "y" + flags);
}

interface KeyedValue {
  /** The key match: [1] opening quote, [2] key, [3] separator. */
  key: RegExpExecArray;
  value: string;
  /** Offsets of `value` in the text. */
  start: number;
  end: number;
  quoted: boolean;
}

/**
 * Finds `key<sep>value` pairs in two steps, the key first, then the value right after it, so a key that is
 * not wanted costs only its own length and a long value after it is never scanned again and again. `fn`
 * returns the replacement of the value (quotes and key are kept), or undefined to leave the pair alone.
 */
function subKeyed(
  text: string,
  keyRe: RegExp,
  valueRe: RegExp,
  fn: (kv: KeyedValue) => string | undefined,
  wanted: (key: RegExpExecArray) => boolean = () => true,
): string {
  keyRe.lastIndex = 0;
  let out = "";
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = keyRe.exec(text)) !== null) {
    const at = m.index + m[0].length;
    valueRe.lastIndex = at;
    const v = wanted(m) ? valueRe.exec(text) : null;
    let replacement: string | undefined;
    let kv: KeyedValue | undefined;
    if (v) {
      for (let g = 1; g <= 4; g++) {
        const value = v[g];
        if (value === undefined) continue;
        const end = at + v[0].length - (g === 1 ? 2 : g === 4 ? 0 : 1);
        kv = { key: m, value, start: end - value.length, end, quoted: g !== 4 };
        break;
      }
      if (kv) replacement = fn(kv);
    }
    if (!kv || replacement === undefined) {
      keyRe.lastIndex = m.index + 1;
      continue;
    }
    out += text.slice(last, kv.start) + replacement;
    last = kv.end;
    keyRe.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

function authValue(value: string, ctx: Context, fallbackKind: string): string | undefined {
  if (!worthRedacting(fallbackKind, value) || onlyHidden(value)) return undefined;
  const scheme = /^([A-Za-z][A-Za-z0-9-]*)([ \t]+)(\S[\s\S]*)$/.exec(value);
  if (scheme && new RegExp(`^(?:${AUTH_SCHEMES})$`, "i").test(scheme[1])) {
    if (onlyHidden(scheme[3])) return undefined;
    const name = scheme[1].toLowerCase();
    const kind = name === "bearer" ? "bearer-token" : name === "basic" ? "basic-auth" : "authorization";
    return scheme[1] + scheme[2] + ctx.hide(kind);
  }
  return ctx.hide(fallbackKind);
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
        return part.replace(/\S[\s\S]*/, ctx.hide("cookie"));
      }
      const name = pair[2].trim().toLowerCase();
      if (setCookie && i > 0 && SET_COOKIE_ATTRIBUTES.has(name)) return part;
      if (pair[3].trim() === "" || onlyHidden(pair[3])) return part;
      return pair[1] + pair[2] + "=" + ctx.hide("cookie");
    })
    .join(";");
}

// ---------------------------------------------------------------------------------------------------------
// Standalone auth material

const BEARER = /(?<![A-Za-z0-9_-])(bearer)([ \t]+)([A-Za-z0-9\-._~+/]{16,4096}=*)(?![A-Za-z0-9\-._~+/=])/gi;
const BASIC = /(?<![A-Za-z0-9_-])(basic)([ \t]+)([A-Za-z0-9+/]{6,4096}={0,2})(?![A-Za-z0-9+/=])/gi;

function looksLikeBasicCredentials(b64: string): boolean {
  const decoded = Buffer.from(b64, "base64").toString("latin1");
  return /^[\x20-\x7e]{0,256}:[\x20-\x7e]{0,1024}$/.test(decoded) && decoded.indexOf(":") > 0;
}

const hasDigitAndLetter = (s: string): boolean => /\d/.test(s) && /[A-Za-z]/.test(s);

// Provider tokens: [kind, source, hint]. Matched with token boundaries on both sides.
const PROVIDER_TOKENS: Array<[string, string, ((s: string) => boolean)?]> = [
  ["github-token", "gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255}"],
  ["gitlab-token", "gl(?:pat|dt|rt|ptt|ft|cbt|imt|oas|soat|agent|ffct)-[A-Za-z0-9_\\-]{20,1000}"],
  ["slack-token", "xox[abposre]-[A-Za-z0-9\\-]{10,1000}|xapp-\\d-[A-Za-z0-9\\-]{10,1000}"],
  ["stripe-key", "(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,1000}"],
  ["stripe-webhook-secret", "whsec_[A-Za-z0-9]{20,1000}"],
  ["sendgrid-key", "SG\\.[A-Za-z0-9_\\-]{16,32}\\.[A-Za-z0-9_\\-]{16,64}"],
  ["twilio-api-key", "SK[0-9a-fA-F]{32}"],
  ["twilio-account-sid", "AC[0-9a-f]{32}"],
  ["npm-token", "npm_[A-Za-z0-9]{36,255}"],
  ["anthropic-key", "sk-ant-[A-Za-z0-9_\\-]{20,1000}"],
  ["openai-key", "sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\\-]{20,1000}", hasDigitAndLetter],
  ["google-api-key", "AIza[0-9A-Za-z_\\-]{35}"],
  ["google-oauth-token", "ya29\\.[0-9A-Za-z_\\-]{20,4096}"],
  ["google-refresh-token", "1//0[0-9A-Za-z_\\-]{30,1000}"],
  ["google-client-secret", "GOCSPX-[A-Za-z0-9_\\-]{20,100}"],
  ["aws-access-key-id", "(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}"],
  ["huggingface-token", "hf_[A-Za-z0-9]{30,100}"],
  ["shopify-token", "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"],
  ["digitalocean-token", "do[opr]_v1_[a-f0-9]{64}"],
  ["pypi-token", "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\\-]{50,1000}"],
  ["docker-token", "dckr_pat_[A-Za-z0-9_\\-]{20,100}"],
  ["mailgun-key", "key-[0-9a-f]{32}"],
];

const PROVIDER_HINT =
  /gh[pousr]_|github_pat_|gl[a-z]{1,5}-|xox|xapp-|_live_|_test_|whsec_|SG\.|SK|AC|npm_|sk-|AIza|ya29\.|1\/\/0|GOCSPX-|A[A-Z]{2}A|hf_|shp|do[opr]_|pypi-|dckr_|key-/;

const WEBHOOKS: Array<[string, RegExp]> = [
  ["slack-webhook", /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{10,300}/g],
  [
    "discord-webhook",
    /https?:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{5,30}\/[A-Za-z0-9_-]{20,200}/g,
  ],
];

const JWT =
  /(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{5,16384}\.[A-Za-z0-9_-]{0,4096}(?![A-Za-z0-9_-])/g;

// ---------------------------------------------------------------------------------------------------------
// Personal data

const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
const URL_ENCODED_EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._+-]{1,64}%40(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/gi;
// Prose such as "password is hunter2" or "pwd was s3cret".
const PROSE_PASSWORD = /(\b(?:passw(?:or)?d|pwd|passphrase)\s+(?:is|was)\s+)(?!\[REDACTED)([^\s,;]{1,200})/gi;
const IPV6_CANDIDATE = /(?<![A-Za-z0-9_:.])[0-9A-Fa-f:.]{2,45}(?![A-Za-z0-9_:]|\.[A-Za-z0-9])/g;
// Not after a browser's product token: `Chrome/120.0.0.0` in a User-Agent is a version.
const IPV4_CANDIDATE =
  /(?<![A-Za-z0-9_.]|(?:Chrome|Chromium|CriOS|Edg|Edge|Firefox|FxiOS|OPR|Safari|Version|AppleWebKit)\/)\d{1,3}(?:\.\d{1,3}){3}(?![A-Za-z0-9_]|\.\d)/g;
const CARD_CANDIDATE = /(?<![A-Za-z0-9_.+/-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![A-Za-z0-9_]|[.-]\d)/g;
const PHONE_E164 = /(?<![A-Za-z0-9_+])\+[1-9]\d{6,14}(?![A-Za-z0-9_]|[.-]\d)/g;
const PHONE_INTL =
  /(?<![A-Za-z0-9_+])\+[1-9]\d{0,3}[ .-]\(?\d{1,4}\)?(?:[ .-]\d{2,8}){1,4}(?![A-Za-z0-9_]|[.-]\d)/g;
const PHONE_NANP =
  /(?<![A-Za-z0-9_.+/-])(?:1[ .-])?(?:\([2-9]\d{2}\) ?\d{3}[ .-]|[2-9]\d{2}([.-])\d{3}\1)\d{4}(?![A-Za-z0-9_]|[.-]\d)/g;
const PHONE_TRUNK = /(?<![A-Za-z0-9_.+/:-])0\d{1,4}([ -])\d{2,8}(?:\1\d{2,8}){0,3}(?![A-Za-z0-9_]|[.:-]\d)/g;

function cardNumberValid(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, "");
  if (digits.length < 13 || digits.length > 19) return false;
  const separators = candidate.replace(/\d/g, "");
  if (separators !== "") {
    if (new Set(separators).size !== 1) return false;
    const groups = candidate.split(/[ -]/).map((g) => g.length);
    const fours = groups.slice(0, -1).every((n) => n === 4) && groups[groups.length - 1] <= 4;
    const amex = groups.join(",") === "4,6,5" || groups.join(",") === "4,6,4";
    if (!fours && !amex) return false;
  }
  if (/^(\d)\1+$/.test(digits)) return false;
  return luhnValid(digits);
}

const countDigits = (s: string): number => s.replace(/\D/g, "").length;

// ---------------------------------------------------------------------------------------------------------
// Rules, in order

function builtinRules(): Rule[] {
  const rules: Rule[] = [];
  rules.push({ hint: /PRIVATE KEY/, apply: redactPem });
  for (const [kind, re] of WEBHOOKS)
    rules.push({ hint: /hooks|webhooks/, apply: (t, c) => sub(t, re, () => c.hide(kind)) });
  rules.push({
    hint: /:\/\//,
    apply: (text, ctx) =>
      sub(text, URL_CREDENTIALS, (m) =>
        onlyHidden(m[3]) ? undefined : `${m[1]}${m[2]}:${ctx.hide("password")}@`,
      ),
  });
  rules.push({
    hint: /authorization|api-key|auth-token/i,
    apply: (text, ctx) =>
      subKeyed(text, AUTH_KEY, AUTH_VALUE, (kv) =>
        authValue(kv.value, ctx, /authorization/i.test(kv.key[2]) ? "authorization" : "api-key"),
      ),
  });
  rules.push({
    hint: /cookie/i,
    apply: (text, ctx) =>
      subKeyed(text, COOKIE_KEY, COOKIE_VALUE, (kv) => {
        const replaced = cookieValue(kv.value, kv.key[2].toLowerCase() === "set-cookie", ctx);
        return replaced === kv.value ? undefined : replaced;
      }),
  });
  rules.push({
    hint: /bearer/i,
    apply: (text, ctx) => sub(text, BEARER, (m) => m[1] + m[2] + ctx.hide("bearer-token")),
  });
  rules.push({
    hint: /basic/i,
    apply: (text, ctx) =>
      sub(text, BASIC, (m) =>
        looksLikeBasicCredentials(m[3]) ? m[1] + m[2] + ctx.hide("basic-auth") : undefined,
      ),
  });
  rules.push({ hint: /eyJ/, apply: (text, ctx) => sub(text, JWT, () => ctx.hide("jwt")) });
  const providers = PROVIDER_TOKENS.map(([kind, source, valid]) => simpleRule(kind, source, "g", valid));
  rules.push({ hint: PROVIDER_HINT, apply: (t, c) => providers.reduce((acc, r) => r.apply(acc, c), t) });
  rules.push({
    hint: /[:=]/,
    apply: (text, ctx) =>
      subKeyed(
        text,
        ANY_KEY,
        ANY_VALUE,
        (kv) => {
          const kind = secretKeyKind(kv.key[2]);
          if (!kind || !worthRedacting(kind, kv.value) || kv.value.startsWith(OPEN)) return undefined;
          // Prose like `refresh token: invalid_grant`: an unquoted `key: word` needs a value that looks secret.
          const loose = kv.key[1] === "" && !kv.quoted && kv.key[3].trim().startsWith(":");
          if (loose && !STRICT_KINDS.has(kind) && !/\d/.test(kv.value)) return undefined;
          return ctx.hide(kind);
        },
        // Authorization and cookies had their own rules; other keys only when their name says secret.
        (key) => !/^(?:(?:proxy-)?authorization|set-cookie|cookie)$/i.test(key[2]) && !!secretKeyKind(key[2]),
      ),
  });
  rules.push({ hint: /@/, apply: (text, ctx) => sub(text, EMAIL, () => ctx.hide("email")) });
  rules.push({ hint: /%40/i, apply: (text, ctx) => sub(text, URL_ENCODED_EMAIL, () => ctx.hide("email")) });
  rules.push({
    hint: /pass|pwd/i,
    apply: (text, ctx) => sub(text, PROSE_PASSWORD, (m) => `${m[1]}${ctx.hide("password")}`),
  });
  rules.push({
    hint: /:[0-9A-Fa-f:]/,
    apply: (text, ctx) =>
      sub(text, IPV6_CANDIDATE, (m) => {
        const candidate = m[0].endsWith(".") ? m[0].slice(0, -1) : m[0];
        if (!/\d/.test(candidate) || !/:.*:/.test(candidate) || !isIPv6(candidate)) return undefined;
        return ctx.hide("ipv6") + m[0].slice(candidate.length);
      }),
  });
  rules.push({
    hint: /\d\.\d/,
    apply: (text, ctx) => sub(text, IPV4_CANDIDATE, (m) => (isIPv4(m[0]) ? ctx.hide("ipv4") : undefined)),
  });
  rules.push({
    hint: /\d{4}/,
    apply: (text, ctx) =>
      sub(text, CARD_CANDIDATE, (m) => (cardNumberValid(m[0]) ? ctx.hide("card-number") : undefined)),
  });
  rules.push({
    hint: /\+[1-9]/,
    apply: (text, ctx) => {
      const intl = sub(text, PHONE_INTL, (m) => {
        const n = countDigits(m[0]);
        return n >= 8 && n <= 15 ? ctx.hide("phone") : undefined;
      });
      return sub(intl, PHONE_E164, () => ctx.hide("phone"));
    },
  });
  rules.push({
    hint: /\d{3}[ .-]\d{4}/,
    apply: (text, ctx) => sub(text, PHONE_NANP, () => ctx.hide("phone")),
  });
  rules.push({
    hint: /0\d{1,4}[ -]\d/,
    apply: (text, ctx) =>
      sub(text, PHONE_TRUNK, (m) => {
        const n = countDigits(m[0]);
        return n >= 9 && n <= 12 && !m[0].startsWith("00") ? ctx.hide("phone") : undefined;
      }),
  });
  return rules;
}

function kindName(name: string): string {
  const kind = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return kind === "" ? "custom" : kind;
}

/** A repo's own pattern, run on RE2 (see config/pattern.ts): its `secret` group, if any, is what is hidden. */
function extraRule(extra: RedactionPattern): Rule {
  let re: UserPattern;
  try {
    re = compilePattern(extra.pattern);
  } catch (error) {
    throw new RedactionPatternError(
      `invalid redaction pattern "${extra.name}": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (re.matches("")) {
    throw new RedactionPatternError(`redaction pattern "${extra.name}" matches the empty string`);
  }
  const kind = kindName(extra.name);
  return {
    apply: (text, ctx) => {
      if (!re.test(text)) return text;
      let out = "";
      let last = 0;
      for (const span of matchSpans(re, text)) {
        const [start, end] = span.secret ?? [span.start, span.end];
        out += text.slice(last, start) + ctx.hide(kind);
        last = end;
      }
      return out + text.slice(last);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The redactor

const MAX_DEPTH = 64;

export function createRedactor(extra: RedactionPattern[] = []): Redactor {
  const rules = [...extra.map(extraRule), ...builtinRules()];

  const redactText = (text: string): string => {
    if (typeof text !== "string" || text === "") return text;
    const ctx = new Context();
    // A placeholder is made of private-use characters; ones already in the input cannot be forged into it.
    let work = text.includes(OPEN) || text.includes(CLOSE) ? text.replace(/[\uE000\uE001]/g, "\uFFFD") : text;
    // Text redacted before stays as it is (redaction is idempotent): its labels are not secrets to find.
    if (work.includes("[REDACTED")) work = work.replace(ALREADY_REDACTED, (label) => ctx.hideLabel(label));
    for (const rule of rules) {
      if (rule.hint && !rule.hint.test(work)) continue;
      work = rule.apply(work, ctx);
    }
    return ctx.labels.length === 0 ? work : ctx.restore(work);
  };

  const redactUnder = (kind: string, value: unknown): unknown => {
    if (value === null || value === undefined || typeof value === "boolean") return value;
    if (typeof value === "string") {
      if (!worthRedacting(kind, value)) return value;
      if (kind === "authorization") {
        const ctx = new Context();
        const replaced = authValue(value, ctx, kind);
        return replaced === undefined ? value : ctx.restore(replaced);
      }
      return `[REDACTED:${kind}]`;
    }
    return `[REDACTED:${kind}]`;
  };

  const walk = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof value === "string") return redactText(value);
    if (typeof value !== "object" || value === null) return value;
    const isArray = Array.isArray(value);
    const proto = Object.getPrototypeOf(value) as unknown;
    if (!isArray && proto !== Object.prototype && proto !== null) return value;
    if (seen.has(value)) return "[Circular]";
    if (depth >= MAX_DEPTH) return "[REDACTED:too-deep]";
    seen.add(value);
    let result: unknown;
    if (isArray) {
      result = value.map((item) => walk(item, depth + 1, seen));
    } else {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const kind = secretKeyKind(key);
        out[redactText(key)] = kind ? redactUnder(kind, item) : walk(item, depth + 1, seen);
      }
      result = out;
    }
    seen.delete(value);
    return result;
  };

  const redactValue = <T>(value: T): T => walk(value, 0, new WeakSet()) as T;

  const lineByLine = (): ((line: string) => string) => {
    let inKey = false;
    return (line: string): string => {
      if (inKey) {
        PEM_END.lastIndex = 0;
        const end = PEM_END.exec(line);
        if (!end) return "[REDACTED:private-key]";
        inKey = false;
        const rest = line.slice(end.index + end[0].length);
        return "[REDACTED:private-key]" + redactText(rest);
      }
      inKey = pemLeftOpen(line);
      return redactText(line);
    };
  };

  return { redactText, redactValue, lineByLine };
}

/** The redactor with the built-in rules only. */
export const defaultRedactor: Redactor = createRedactor();

/** `defaultRedactor.redactText`. */
export const redactText = (text: string): string => defaultRedactor.redactText(text);

/** `defaultRedactor.redactValue`. */
export const redactValue = <T>(value: T): T => defaultRedactor.redactValue(value);
