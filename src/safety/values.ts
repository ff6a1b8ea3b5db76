// What a value next to a key looks like: where an unquoted value ends, and whether a value is random enough
// to be a credential when the key alone does not say so (`hmac_key`, `--key`, `X-Partner-Key`, `token 9fK2…`).

/** Shannon entropy in bits per character. */
export function shannon(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function charClass(code: number): number {
  if (code >= 97 && code <= 122) return 1;
  if (code >= 65 && code <= 90) return 2;
  if (code >= 48 && code <= 57) return 3;
  return 4;
}

/** Share of neighbouring characters of different classes (lower, upper, digit, other). */
function switchRate(s: string): number {
  if (s.length < 2) return 0;
  let switches = 0;
  for (let i = 1; i < s.length; i++) {
    if (charClass(s.charCodeAt(i)) !== charClass(s.charCodeAt(i - 1))) switches++;
  }
  return switches / (s.length - 1);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]+$/i;
const TOKEN_CHARS = /^[A-Za-z0-9+/=_.~-]+$/;
const VERSION = /^v?\d+(?:\.\d+)+(?:[-+][A-Za-z0-9.-]+)?$/;
const DOTTED_WORDS = /^[A-Za-z]+(?:[._-][A-Za-z]+)*$/;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w))+$/;
// A path: slash-separated words, one of them a lowercase word or a file name (`orders/2024/05/a.json`);
// base64 text (with `+` or `=`, or mixed-case segments) is not one.
function isPath(v: string): boolean {
  if (!v.includes("/") || /[+=]/.test(v)) return false;
  const segments = v.split("/");
  return segments.some((s) => /^[a-z]{3,}$/.test(s) || /^[\w-]+\.[a-z]{2,5}$/.test(s));
}

/** Share of vowels among letters: about 0.4 in English words, about 0.2 in random letters. */
function vowelShare(s: string): number {
  const letters = s.replace(/[^A-Za-z]/g, "");
  return letters.length === 0 ? 0 : letters.replace(/[^aeiouAEIOU]/g, "").length / letters.length;
}

/**
 * Random-looking text: long, with many switches between lower case, upper case and digits. Class names
 * (`AbstractSingletonProxyFactoryBean`) switch case about once a word; random base62 about every other character.
 */
export function looksRandom(s: string): boolean {
  return s.length >= 16 && TOKEN_CHARS.test(s) && switchRate(s) >= 0.35 && shannon(s) >= 3.5;
}

/**
 * How sure the position is that it holds a secret:
 * - `provider`: a key naming a provider (`heroku_api`, `discord_client_id`): ids, hex and digits count;
 * - `qualified`: a key word with a qualifier (`hmac_key`, `x-partner-key`): hex and UUIDs count;
 * - `bare`: a bare `key`, a `--key` flag, or prose such as `token 9fK2…`: only random-looking text counts.
 */
export type Certainty = "provider" | "qualified" | "bare";

const MIN_LENGTH: Record<Certainty, number> = { provider: 10, qualified: 12, bare: 16 };
// Shannon entropy a value needs, per certainty (random base62 of 16 characters has about 3.8 bits a character).
const MIN_ENTROPY: Record<Certainty, number> = { provider: 2.5, qualified: 3, bare: 3.5 };

/** Whether `value` looks like a credential at a position of the given certainty. */
export function credentialLike(value: string, certainty: Certainty): boolean {
  // A provider's secret may be a pair (`<id>:<secret>`, as Sidekiq's gem credentials).
  const v = certainty === "provider" ? value.replace(/^([A-Za-z0-9]+):(?=[A-Za-z0-9])/, "$1") : value;
  if (v.length < MIN_LENGTH[certainty] || v.length > 4096 || !TOKEN_CHARS.test(v)) return false;
  if (VERSION.test(v) || DURATION.test(v) || isPath(v)) return false;
  if (/^\d+$/.test(v)) return certainty === "provider" && v.length >= 12;
  if (UUID.test(v) || HEX.test(v)) return certainty !== "bare" && shannon(v) >= 2.5;
  if (DOTTED_WORDS.test(v)) {
    // Letters only: a word, a dotted name, or random letters (mixed case switching often).
    if (looksRandom(v)) return true;
    if (certainty === "bare") return false;
    if (/^[A-Za-z]{12,}$/.test(v) && vowelShare(v) < 0.25 && shannon(v) >= 3) return true;
    return certainty === "provider" && /[a-z]/.test(v) && /[A-Z]/.test(v) && switchRate(v) >= 0.3;
  }
  if (certainty === "bare") return looksRandom(v);
  return shannon(v) >= MIN_ENTROPY[certainty];
}

const OPENERS: Record<string, string> = { ")": "(", "]": "[", "}": "{", ">": "<" };

/** How many `open` characters in `text` are not closed by a `close` after them. */
function unclosed(text: string, open: string, close: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === open) depth++;
    else if (c === close && depth > 0) depth--;
  }
  return depth;
}

const count = (text: string, ch: string): number => text.split(ch).length - 1;

// The next `key=` after a separator ends a value: `password=a,user=b`, `Password=x;Database=y`.
const NEXT_KEY = /[,;&][A-Za-z_][\w.-]{0,63}[ \t]*=/;

/**
 * End of an unquoted value that starts at `start`: the run of non-space characters, less what belongs to the
 * surroundings. In a URL query it ends at `&` or `#`; before a next `key=` it ends; trailing `,` `;` `.` go; a
 * trailing closing bracket or quote goes only when `prefix` (the text before the key on its line) opened it.
 * So `PGPASSWORD=p@ss}` keeps its brace while `User(password=x)` and `msg="password=x"` do not.
 */
export function unquotedEnd(text: string, start: number, prefix: string, query: boolean): number {
  let end = start;
  const limit = Math.min(text.length, start + 4096);
  while (end < limit && !/\s/.test(text[end])) end++;
  let value = text.slice(start, end);
  if (query) value = value.split(/[&#]/)[0];
  const next = NEXT_KEY.exec(value);
  if (next && next.index > 0) value = value.slice(0, next.index);
  for (;;) {
    const last = value[value.length - 1];
    if (value.length <= 1) break;
    if (last === "," || last === ";" || last === ".") {
      value = value.slice(0, -1);
      continue;
    }
    const opener = OPENERS[last];
    if (opener && count(value, opener) < count(value, last) && unclosed(prefix, opener, last) > 0) {
      value = value.slice(0, -1);
      continue;
    }
    if ((last === '"' || last === "'") && count(prefix, last) % 2 === 1 && count(value, last) % 2 === 1) {
      value = value.slice(0, value.endsWith(`\\${last}`) ? -2 : -1);
      continue;
    }
    break;
  }
  return start + value.length;
}
