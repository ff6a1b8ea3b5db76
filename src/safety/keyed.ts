// Secrets found by their key: `key=value`, `key: value`, `"key":"value"`, `key => value`, `--key value`,
// `-Dkey=value`, `<key>value</key>`, `<add key="…Password" value="…"/>`, prose such as `api key 9fK2…`, and the
// data of a Kubernetes Secret. Which keys count, and how sure each one is, is keys.ts's business.

import { type Context, OPEN, onlyHidden, sub, type Rule, VARIABLE_REFERENCE } from "./engine.js";
import { classifyKey, type KeyClass, worthRedacting } from "./keys.js";
import { credentialLike, unquotedEnd } from "./values.js";

// Kinds whose value is redacted even in prose-like `key: value` (no digits needed).
const STRICT_KINDS = new Set([
  "password",
  "secret",
  "client-secret",
  "private-key",
  "aws-secret-key",
  "credentials",
]);

/** Decides the replacement of a value under a key, or undefined to leave it. */
export function keyedReplacement(
  key: KeyClass,
  value: string,
  ctx: Context,
  rule: string,
  loose = false,
): string | undefined {
  if (value === "" || value.startsWith(OPEN) || onlyHidden(value) || VARIABLE_REFERENCE.test(value))
    return undefined;
  if (key.certainty === "strong") {
    if (!worthRedacting(key.kind, value)) return undefined;
    // Prose like `refresh token: invalid_grant`: an unquoted `key: word` needs a value that looks secret.
    if (loose && !STRICT_KINDS.has(key.kind) && !/\d/.test(value) && !credentialLike(value, "qualified")) {
      return undefined;
    }
    return ctx.hide(key.kind, rule);
  }
  return credentialLike(value, key.certainty)
    ? ctx.hide(key.kind, rule.replace("secret", "entropy"))
    : undefined;
}

// Quoted values: \"escaped JSON\" | "double" | 'single'.
const QUOTED_VALUE =
  /\\"((?:[^"\\\r\n]|\\[^"\r\n]){0,4096})\\"|"((?:[^"\\\r\n]|\\.){0,4096})"|'((?:[^'\\\r\n]|\\.){0,4096})'/y;

export interface Span {
  start: number;
  end: number;
  quoted: boolean;
}

/** The value that starts at `at`, quoted or not; `keyStart` is where its key begins. */
export function valueSpan(text: string, at: number, keyStart: number): Span | undefined {
  QUOTED_VALUE.lastIndex = at;
  const q = QUOTED_VALUE.exec(text);
  if (q) {
    const g = q[1] !== undefined ? 1 : q[2] !== undefined ? 2 : 3;
    const end = at + q[0].length - (g === 1 ? 2 : 1);
    return { start: end - q[g].length, end, quoted: true };
  }
  // An opening quote that is never closed (a cut line): the value runs to the end of the word.
  const start = text[at] === '"' || text[at] === "'" ? at + 1 : at;
  if (start >= text.length || /\s/.test(text[start])) return undefined;
  const lineStart = Math.max(text.lastIndexOf("\n", keyStart) + 1, keyStart - 1024);
  const query = keyStart > 0 && (text[keyStart - 1] === "?" || text[keyStart - 1] === "&");
  const end = unquotedEnd(text, start, text.slice(lineStart, keyStart), query);
  return end > start ? { start, end, quoted: false } : undefined;
}

/**
 * Finds `key<sep>value` pairs in two steps, the key first, then the value right after it, so a key that is
 * not wanted costs only its own length and a long value after it is never scanned again and again. `fn`
 * returns the replacement of the value (quotes and key are kept), or undefined to leave the pair alone.
 * The key regex's groups: [1] opening quote, [2] key, [3] separator.
 */
export function subKeyed(
  text: string,
  keyRe: RegExp,
  fn: (key: RegExpExecArray, value: string, span: Span) => string | undefined,
  wanted: (key: RegExpExecArray) => boolean,
  spanAt: (at: number, keyStart: number) => Span | undefined = (at, keyStart) =>
    valueSpan(text, at, keyStart),
): string {
  keyRe.lastIndex = 0;
  let out = "";
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = keyRe.exec(text)) !== null) {
    const span = wanted(m) ? spanAt(m.index + m[0].length, m.index + m[1].length) : undefined;
    const replacement = span ? fn(m, text.slice(span.start, span.end), span) : undefined;
    if (!span || replacement === undefined) {
      keyRe.lastIndex = m.index + 1;
      continue;
    }
    out += text.slice(last, span.start) + replacement;
    last = span.end;
    keyRe.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

// A key starts a word: not inside a token, nor right after `=`, `/` or `+` (inside a base64 value).
const KEY_PREFIX = "(?<![A-Za-z0-9_.\\-=/+])(\\\\?[\"']?)";
// `=`, `:`, `=>`, `:=`, then maybe `[` (Go's http.Header), or only spaces before a quoted value (`password "x"`).
const SEPARATOR = "([ \\t]*(?:=>|:=|[:=])[ \\t]*\\[?[ \\t]*|[ \\t]+(?=\\\\?[\"']))";
const ANY_KEY = new RegExp(KEY_PREFIX + "([A-Za-z_$@][A-Za-z0-9_.\\-]{0,63})\\1" + SEPARATOR, "g");
// Authorization and cookies have their own rules.
const OWN_RULE_KEYS = /^(?:(?:proxy-)?authorization|set-cookie|cookie)$/i;

export function keyedRule(): Rule {
  return {
    hint: /[:=]|\s["']/,
    apply: (text, ctx) =>
      subKeyed(
        text,
        ANY_KEY,
        (m, value, span) => {
          // A JSON object or array under a quoted key: its own members are looked at one by one.
          if (m[1] !== "" && !span.quoted && /^[{[]/.test(value)) return undefined;
          const loose = m[1] === "" && !span.quoted && m[3].trim().startsWith(":");
          return keyedReplacement(classifyKey(m[2])!, value, ctx, "ours:keyed-secret", loose);
        },
        (m) => !OWN_RULE_KEYS.test(m[2]) && classifyKey(m[2]) !== undefined,
      ),
  };
}

// Command-line flags: `--password x`, `--db-password=x`, `-password x`, `-Ddb.password=x`.
const FLAG = /(?<![A-Za-z0-9_.-])(-{1,2})([A-Za-z][A-Za-z0-9_.-]{0,63})(=|[ \t]+)/g;

export function flagRule(): Rule {
  return {
    hint: /-[A-Za-z]/,
    apply: (text, ctx) =>
      subKeyed(
        text,
        FLAG,
        (m, value) => {
          // A flag followed by another flag has no value of its own.
          if (m[3] !== "=" && value.startsWith("-")) return undefined;
          return keyedReplacement(classifyKey(m[2])!, value, ctx, "ours:flag-secret");
        },
        (m) => classifyKey(m[2]) !== undefined,
      ),
  };
}

// XML: `<password>x</password>` and `<add key="ClearTextPassword" value="x" />` (NuGet, .NET app settings).
const XML_ELEMENT = /<([A-Za-z][\w.:-]{0,63})>([^<]{1,4096})<\/\1>/g;
const XML_KEY_VALUE = /(\bkey\s*=\s*"([^"]{1,128})"\s+value\s*=\s*")([^"]{0,4096})"/gi;

export function xmlRule(): Rule {
  return {
    hint: /<[A-Za-z]|key\s*=\s*"/i,
    apply: (text, ctx) => {
      const elements = sub(text, XML_ELEMENT, (m) => {
        const key = classifyKey(m[1]);
        const inner = key && keyedReplacement(key, m[2].trim(), ctx, "ours:keyed-secret");
        return inner ? `<${m[1]}>${inner}</${m[1]}>` : undefined;
      });
      return sub(elements, XML_KEY_VALUE, (m) => {
        const key = classifyKey(m[2]);
        const inner = key && keyedReplacement(key, m[3], ctx, "ours:keyed-secret");
        return inner ? `${m[1]}${inner}"` : undefined;
      });
    },
  };
}

// A Kubernetes Secret logged as JSON: every value of its `data` and `stringData` is secret, whatever its key.
const K8S_SECRET = /["']?kind["']?\s*[:=]\s*["']?Secret\b/;
const K8S_DATA = /(["']?(?:data|stringData)["']?\s*:\s*\{)([^{}]{0,65536})\}/g;
const JSON_STRING_MEMBER = /("(?:[^"\\\r\n]|\\.){1,256}"\s*:\s*")((?:[^"\\\r\n]|\\.){1,65536})"/g;

export function kubernetesSecretRule(): Rule {
  return {
    hint: K8S_SECRET,
    apply: (text, ctx) =>
      sub(text, K8S_DATA, (m) => {
        const inner = sub(m[2], JSON_STRING_MEMBER, (v) =>
          onlyHidden(v[2]) ? undefined : `${v[1]}${ctx.hide("kubernetes-secret", "ours:kubernetes-secret")}"`,
        );
        return inner === m[2] ? undefined : `${m[1]}${inner}}`;
      }),
  };
}

// Prose: a word that names a credential, then a value that looks like one (`rejected api key 9fK2mQx8…`).
const PROSE_KEYWORD =
  /\b((?:api|access|secret|private|signing|encryption|master|client|service|app|auth|session|refresh)[ _-]?(?:key|token|secret)|apikey|token|secret|key|credentials?|passw(?:or)?d|passphrase|pwd)(?::?[ \t]+(?:is[ \t]+|was[ \t]+|of[ \t]+)?)(["'`]?)([A-Za-z0-9+/=_.~-]{12,400})\2(?![A-Za-z0-9+/=_.~-])/gi;
// Prose such as "password is hunter2" or "pwd was s3cret": the value is redacted whatever it looks like.
const PROSE_PASSWORD = /(\b(?:passw(?:or)?d|pwd|passphrase)\s+(?:is|was)\s+)(?!\[REDACTED)([^\s,;]{1,200})/gi;

export function proseRules(): Rule[] {
  return [
    {
      hint: /pass|pwd/i,
      apply: (text, ctx) =>
        sub(text, PROSE_PASSWORD, (m) =>
          m[2].startsWith(OPEN) ? undefined : `${m[1]}${ctx.hide("password", "ours:prose")}`,
        ),
    },
    {
      hint: /key|token|secret|credential|pass|pwd/i,
      apply: (text, ctx) =>
        sub(text, PROSE_KEYWORD, (m) => {
          const key = classifyKey(m[1].replace(/[ -]/g, "_"));
          if (!key) return undefined;
          // In prose even a strong word needs a value that looks like a credential.
          const certainty = key.certainty === "strong" ? "qualified" : key.certainty;
          if (!credentialLike(m[3], certainty)) return undefined;
          const prefix = m[0].slice(0, m[0].length - m[3].length - m[2].length * 2);
          return `${prefix}${m[2]}${ctx.hide(key.kind, "ours:prose")}${m[2]}`;
        }),
    },
  ];
}
