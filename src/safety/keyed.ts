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

/** A key found before its value. */
export interface KeyMatch {
  /** Where the key (or its opening quote) starts, and where its value starts. */
  index: number;
  end: number;
  quote: string;
  key: string;
  /** The separator's first non-space character: `:` or `=`. */
  separator: string;
  /** Where to look for the next key when this one is declined. */
  next: number;
}

/** Finds the next key from a position: a regex whose groups are [1] opening quote, [2] key, [3] separator. */
export type KeyFinder = RegExp | ((text: string, from: number) => KeyMatch | null);

function finderOf(find: KeyFinder): (text: string, from: number) => KeyMatch | null {
  if (typeof find === "function") return find;
  return (text, from) => {
    find.lastIndex = from;
    const m = find.exec(text);
    if (!m) return null;
    const end = m.index + m[0].length;
    return {
      index: m.index,
      end,
      quote: m[1],
      key: m[2],
      separator: m[3].trim()[0] ?? "",
      next: m.index + 1,
    };
  };
}

/**
 * Finds `key<sep>value` pairs in two steps, the key first, then the value right after it, so a key that is
 * not wanted costs only its own length and a long value after it is never scanned again and again. `fn`
 * returns the replacement of the value (quotes and key are kept), or undefined to leave the pair alone.
 */
export function subKeyed(
  text: string,
  find: KeyFinder,
  fn: (key: KeyMatch, value: string, span: Span) => string | undefined,
  wanted: (key: KeyMatch) => boolean,
  spanAt: (at: number, keyStart: number) => Span | undefined = (at, keyStart) =>
    valueSpan(text, at, keyStart),
): string {
  const next = finderOf(find);
  let out = "";
  let last = 0;
  let from = 0;
  let m: KeyMatch | null;
  while ((m = next(text, from)) !== null) {
    const span = wanted(m) ? spanAt(m.end, m.index + m.quote.length) : undefined;
    const replacement = span ? fn(m, text.slice(span.start, span.end), span) : undefined;
    if (!span || replacement === undefined) {
      from = m.next;
      continue;
    }
    out += text.slice(last, span.start) + replacement;
    last = span.end;
    from = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

const isKeyChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;
const isKeyStart = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c === 64;
// A key starts a word: not inside a token, nor right after `=`, `/` or `+` (inside a base64 value).
const blocksKey = (c: number): boolean => isKeyChar(c) || c === 61 || c === 47 || c === 43;
const SEPARATOR_CHAR = /[:=]/g;

/**
 * The next `key<sep>` from `from`: found from its separator (`=`, `:`, `=>`, `:=`, then maybe `[` as in Go's
 * http.Header) back to its key, so a text costs one pass over its `:` and `=` rather than a regex at every
 * character. The key: up to 64 of `[A-Za-z0-9_.-]` (the first a letter, `_`, `$` or `@`), maybe in quotes
 * (`"key"`, `'key'`, `\"key\"`).
 */
function nextKey(text: string, from: number): KeyMatch | null {
  SEPARATOR_CHAR.lastIndex = from;
  let s: RegExpExecArray | null;
  while ((s = SEPARATOR_CHAR.exec(text)) !== null) {
    const i = s.index;
    // The second character of `:=`, `==` belongs to the separator one before it.
    if (text[i] === "=" && i > from && (text[i - 1] === ":" || text[i - 1] === "=")) continue;
    let j = i - 1;
    while (j >= from && (text[j] === " " || text[j] === "\t")) j--;
    let quote = "";
    if (j >= from && (text[j] === '"' || text[j] === "'"))
      quote = text[j - 1] === "\\" ? `\\${text[j]}` : text[j];
    const keyEnd = j + 1 - quote.length;
    let k = keyEnd - 1;
    while (k >= from && keyEnd - k <= 64 && isKeyChar(text.charCodeAt(k))) k--;
    if (k >= from && keyEnd - k <= 64 && (text[k] === "$" || text[k] === "@")) k--;
    const keyStart = k + 1;
    if (keyStart >= keyEnd || !isKeyStart(text.charCodeAt(keyStart))) continue;
    if (k >= 0 && isKeyChar(text.charCodeAt(k))) continue; // longer than 64 characters
    const open = quote !== "" && text.slice(keyStart - quote.length, keyStart) === quote ? quote : "";
    if (quote !== "" && open === "") continue; // `key"=`: a quote between key and separator
    const start = keyStart - open.length;
    if (start > 0 && blocksKey(text.charCodeAt(start - 1))) continue;
    let end = i + (text[i + 1] === (text[i] === ":" ? "=" : ">") ? 2 : 1);
    while (text[end] === " " || text[end] === "\t") end++;
    if (text[end] === "[") end++;
    while (text[end] === " " || text[end] === "\t") end++;
    return {
      index: start,
      end,
      quote: open,
      key: text.slice(keyStart, keyEnd),
      separator: text[i],
      next: i + 1,
    };
  }
  return null;
}

// Only spaces between a secret word and its quoted value: `password "x"`, `private_key 'x';`.
const SPACED_KEY =
  /(?<![A-Za-z0-9_.\-=/+])()(passw(?:or)?d|passwd|passphrase|pwd|secret|token|api[_-]?key|private[_-]?key|credentials?)([ \t]+)(?=\\?["'])/gi;
// Authorization and cookies have their own rules.
const OWN_RULE_KEYS = /^(?:(?:proxy-)?authorization|set-cookie|cookie)$/i;

export function keyedRule(): Rule[] {
  const wanted = (m: KeyMatch) => classifyKey(m.key) !== undefined && !OWN_RULE_KEYS.test(m.key);
  const replace =
    (ctx: Context) =>
    (m: KeyMatch, value: string, span: Span): string | undefined => {
      // A JSON object or array under a quoted key: its own members are looked at one by one.
      if (m.quote !== "" && !span.quoted && /^[{[]/.test(value)) return undefined;
      const loose = m.quote === "" && !span.quoted && m.separator === ":";
      return keyedReplacement(classifyKey(m.key)!, value, ctx, "ours:keyed-secret", loose);
    };
  return [
    { hint: /[:=]/, apply: (text, ctx) => subKeyed(text, nextKey, replace(ctx), wanted) },
    { hint: /\w[ \t]+\\?["']/, apply: (text, ctx) => subKeyed(text, SPACED_KEY, replace(ctx), wanted) },
  ];
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
          if (m.separator !== "=" && value.startsWith("-")) return undefined;
          return keyedReplacement(classifyKey(m.key)!, value, ctx, "ours:flag-secret");
        },
        (m) => classifyKey(m.key) !== undefined,
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
