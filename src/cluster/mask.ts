// Masking: turns a raw log message into a list of tokens where variable parts are replaced by `<*>`.
// One general rule set (no vocabulary of any particular system): numbers and anything containing a digit,
// hex, UUIDs, IPs and ports, e-mails, variable parts of URLs, quoted values, JSON and key=value values,
// timestamps, JWT-like tokens. Multi-line messages (stack traces) are reduced to their shape.

/** The wildcard shown for a variable slot. */
export const WILDCARD = "<*>";

/** Characters kept from one message; the rest is dropped before masking. */
export const MAX_CHARS = 2048;
/** Tokens kept from one message; a longer message ends in one wildcard. */
export const MAX_TOKENS = 64;
/** Shape lines kept from a multi-line message (after the first line). */
export const MAX_SHAPE_LINES = 24;

// Dates written with month (and day) names around masked numbers.
const NAMED_DATE =
  /(?:\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+<\*>(?:,?\s+<\*>)*/g;
const DATE_BEFORE_MONTH =
  /<\*>\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+<\*>(?:\s+<\*>)*/g;

// Absolute file paths (two or more segments) and Windows paths.
const PATH = /(^|[\s=:([{'"])(?:\/[\w.@%+~-]+){2,}\/?(?=$|[\s,;:)\]}'"])/g;
const WIN_PATH = /\b[A-Za-z]:\\[^\s,;:)\]}'"]+/g;
const URL = /\b([a-zA-Z][\w+.-]*:\/\/)([^\s/?#"'<>]*)([^\s"'<>]*)/g;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const JWT = /\beyJ[\w-]*\.[\w-]+(?:\.[\w-]*)?/g;
// Numbers, hex, UUIDs, IPs with ports, ids like main_742cb007 hold a digit: maskRuns() masks them.
// Quoted strings, left to right so that quotes pair up: a JSON key (followed by `:`) is kept and a
// literal value after it (true/false/null) is masked; any other quoted string is a value.
const QUOTED = /"(?:[^"\\\n]|\\.)*"(?:(\s*:\s*)(true|false|null)?)?/g;
function maskQuoted(m: string, colon: string | undefined, literal: string | undefined): string {
  if (colon === undefined) return '"<*>"';
  return literal === undefined ? m : m.slice(0, m.length - literal.length) + WILDCARD;
}
const SINGLE_QUOTED = /(^|[\s=:,([{])'[^'\n]*'(?=$|[\s,.;:)\]}])/g;

function maskUrl(_m: string, scheme: string, host: string, rest: string): string {
  const maskedHost = /\d/.test(host) ? WILDCARD : host;
  if (rest === "") return scheme + maskedHost;
  const q = rest.indexOf("?");
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? "" : rest.slice(q + 1);
  const segments = path
    .split("/")
    .map((s) => (s.length > 24 || /\d/.test(s) || /^[0-9a-f]{8,}$/i.test(s) ? WILDCARD : s));
  let out = scheme + maskedHost + segments.join("/");
  if (q >= 0) {
    out +=
      "?" +
      query
        .split("&")
        .map((kv) => {
          const eq = kv.indexOf("=");
          return eq < 0 ? WILDCARD : kv.slice(0, eq + 1) + WILDCARD;
        })
        .join("&");
  }
  return out;
}

const DELIMITER = new Uint8Array(128);
for (const ch of " \t\r\n\f\v=:,;()[]{}\"'<>|") DELIMITER[ch.charCodeAt(0)] = 1;
const MONTHS = new Set(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]);

/** Whether a word names an id (`user_id`, `requestId`, `trace-ID`, `ids`): its value is masked. */
function isIdKey(s: string, start: number, end: number): boolean {
  let e = end;
  if (e - start >= 3 && s.charCodeAt(e - 1) === 115 /* s */) e--;
  if (e - start < 2) return false;
  const a = s.charCodeAt(e - 2);
  const b = s.charCodeAt(e - 1);
  if (a === 73 /* I */ && (b === 100 /* d */ || b === 68) /* D */) return e - start > 2 || b === 68;
  if (a === 105 /* i */ && b === 100 /* d */) {
    if (e - start === 2) return true;
    const c = s.charCodeAt(e - 3);
    return c === 95 /* _ */ || c === 45; /* - */
  }
  return false;
}

/** Between an id key and its value only spaces and one `:` or `=` may stand. */
function isKeyValueGap(s: string, start: number, end: number): boolean {
  let sep = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */ || c === 61 /* = */) {
      if (sep) return false;
      sep = true;
    } else if (c !== 32) return false;
  }
  return sep;
}

let scanMonth = false;

/** Characters that may glue two variables into one (`ip:port`, `a,b`); spaces glue raw-message variables. */
function isGlue(s: string, start: number, end: number, spaces: boolean): boolean {
  if (end <= start) return true;
  const c0 = s.charCodeAt(start);
  const space = c0 === 32;
  if (space && !spaces) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (space ? c !== 32 : c !== 58 /* : */ && c !== 44 /* , */) return false;
  }
  return true;
}

/**
 * One pass over the text: every run of non-delimiter characters that holds a digit, and every value
 * of an id key, becomes `<*>`; variables glued by `:`/`,` (or, in raw messages, by spaces) become one.
 * Sets `scanMonth` when a month name is seen (dates are then collapsed by a regular expression).
 */
function maskRuns(s: string, template: boolean): string {
  const n = s.length;
  let out = "";
  let copied = 0;
  let month = false;
  let idKeyEnd = -1;
  // End of the last variable written to `out` (-1: none directly before `copied`).
  let lastVarEnd = -1;
  let i = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c < 128 && DELIMITER[c] === 1) {
      i++;
      continue;
    }
    const start = i;
    let digit = false;
    while (i < n) {
      c = s.charCodeAt(i);
      if (c < 128 && DELIMITER[c] === 1) break;
      if (c >= 48 && c <= 57) digit = true;
      i++;
    }
    let varStart = start;
    let varEnd = i;
    let isVar = digit || (idKeyEnd >= 0 && isKeyValueGap(s, idKeyEnd, start));
    const existing =
      !isVar &&
      i - start === 1 &&
      c === 62 /* > */ &&
      s.charCodeAt(start) === 42 &&
      s.charCodeAt(start - 1) === 60;
    if (existing) {
      // a `<*>` already in the text (from the rules above, or a template)
      isVar = true;
      varStart = start - 1;
      varEnd = i + 1;
      i++;
    }
    if (isVar) {
      if (lastVarEnd === copied && lastVarEnd >= 0 && isGlue(s, lastVarEnd, varStart, !template)) {
        // joins the variable just written
      } else {
        out += s.slice(copied, varStart) + WILDCARD;
      }
      copied = varEnd;
      lastVarEnd = varEnd;
      idKeyEnd = -1;
      continue;
    }
    const first = s.charCodeAt(start);
    if (!month && first >= 65 && first <= 90 && i - start >= 3 && MONTHS.has(s.slice(start, start + 3))) {
      month = true;
    }
    idKeyEnd = isIdKey(s, start, i) ? i : -1;
  }
  scanMonth = month;
  return copied === 0 ? s : out + s.slice(copied);
}

/** Masks one line of text (no newline inside) and returns the masked text. */
export function maskLine(line: string, template = false): string {
  let s = line;
  if (s.includes("://")) s = s.replace(URL, maskUrl);
  if (s.includes("@")) s = s.replace(EMAIL, WILDCARD);
  if (s.includes("/")) s = s.replace(PATH, "$1<*>");
  if (s.includes(":\\")) s = s.replace(WIN_PATH, WILDCARD);
  if (s.includes("eyJ")) s = s.replace(JWT, WILDCARD);
  if (s.includes('"')) s = s.replace(QUOTED, maskQuoted);
  if (s.includes("'")) s = s.replace(SINGLE_QUOTED, "$1'<*>'");
  s = maskRuns(s, template);
  if (scanMonth && !template) s = s.replace(NAMED_DATE, WILDCARD).replace(DATE_BEFORE_MONTH, WILDCARD);
  return s;
}

const JAVA_FRAME = /^at\s+([^\s(]+)/;
const PY_FRAME = /^File\s+"([^"]*)"(?:,\s*line\s+\S+)?,\s*in\s+(\S+)/;
const EXCEPTION =
  /^(Caused by:\s+|Suppressed:\s+)?((?:[\w$]+\.)*[A-Za-z_$][\w$]*(?:Error|Exception|Throwable|Fault|Failure|Exit|Interrupt|Warning)\w*)(?=:|$|\s)/;
const CARETS = /^[\^~]+$/;
const OMITTED = /^\.\.\.\s*\d+\s+(?:more|common frames omitted)/;

/** Reduces a non-first line of a multi-line message to its shape, or undefined to drop it. */
function shapeLine(raw: string, previousWasPyFrame: boolean, template: boolean): string | undefined {
  const line = raw.trim();
  if (line === "") return undefined;
  let m = JAVA_FRAME.exec(line);
  if (m) return "at " + m[1];
  m = PY_FRAME.exec(line);
  if (m) return `File "${m[1]}", in ${m[2]}`;
  if (OMITTED.test(line) || CARETS.test(line)) return undefined;
  m = EXCEPTION.exec(line);
  if (m) return (m[1] ? m[1].trim() + " " : "") + m[2];
  // The source line Python prints under each frame changes with the code; the frame identifies it.
  if (previousWasPyFrame) return undefined;
  return maskLine(line, template);
}

/** Splits masked text into tokens, bounding their number. */
function tokenize(masked: string, out: string[]): void {
  for (const t of masked.split(/\s+/)) {
    if (t !== "") out.push(t);
  }
}

/** Line break marker token used between the lines of a multi-line shape. */
export const LINE_BREAK = "\n";

/**
 * Masks a message and returns its tokens. Single-line messages are split on whitespace; a multi-line
 * message keeps its first line masked and then one `\n` token before each shape line (exception types
 * and frames; variable text and line numbers are dropped).
 */
export function maskTokens(message: string, template = false): string[] {
  let s = message.length > MAX_CHARS ? message.slice(0, MAX_CHARS) : message;
  const tokens: string[] = [];
  if (s.includes("\n")) {
    const lines = s.split("\n");
    let i = 0;
    while (i < lines.length - 1 && lines[i].trim() === "") i++;
    const first = lines[i].trim();
    const exc = EXCEPTION.exec(first);
    tokenize(exc && !exc[1] ? exc[2] : maskLine(first, template), tokens);
    let shapeCount = 0;
    let previousPy = false;
    let previousShape = "";
    for (i++; i < lines.length && shapeCount < MAX_SHAPE_LINES; i++) {
      const shaped = shapeLine(lines[i], previousPy, template);
      previousPy = PY_FRAME.test(lines[i].trim());
      if (shaped === undefined || shaped === previousShape) continue;
      previousShape = shaped;
      shapeCount++;
      tokens.push(LINE_BREAK);
      tokenize(shaped, tokens);
    }
  } else {
    s = maskLine(s, template);
    tokenize(s, tokens);
  }
  if (tokens.length > MAX_TOKENS) {
    tokens.length = MAX_TOKENS;
    if (tokens[MAX_TOKENS - 1] !== WILDCARD) tokens.push(WILDCARD);
  }
  return tokens;
}

/** Human form of a token list: `\n` tokens become line breaks, other tokens are joined by spaces. */
export function renderTokens(tokens: readonly string[]): string {
  let out = "";
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === LINE_BREAK) out += "\n";
    else out += out === "" || out.endsWith("\n") ? t : " " + t;
  }
  return out;
}

/**
 * The masked form of a message as one string: the cache key of the miner. Single-line messages are
 * masked as they are; multi-line and very long ones go through {@link maskTokens} first.
 */
export function maskedKey(message: string): string {
  if (message.length <= MAX_CHARS && !message.includes("\n")) return maskLine(message);
  return renderTokens(maskTokens(message));
}

/** Tokens of a key made by {@link maskedKey}. */
export function keyTokens(key: string): string[] {
  if (key.includes("\n")) return maskTokens(key);
  const tokens: string[] = [];
  tokenize(key, tokens);
  if (tokens.length > MAX_TOKENS) {
    tokens.length = MAX_TOKENS;
    if (tokens[MAX_TOKENS - 1] !== WILDCARD) tokens.push(WILDCARD);
  }
  return tokens;
}

/** Tokens of a template in its human form (as stored in a state file or an issue). */
export function templateTokens(template: string): string[] {
  return maskTokens(template, true);
}
