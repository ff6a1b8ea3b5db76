// Hand-written equivalents of the costliest mask rules of masks.ts, each one linear scan. They must give
// exactly what the rule's regular expression gives (masks.test.ts checks it on a corpus and on random
// text); when a rule changes, change its scanner or drop it from FAST_MASKS.

/** The rules' whitespace (`SPACE_CHARS` of masks.ts: tab, line feed, vertical tab, form feed, return, space). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Classes of ASCII characters: RUN (not a space nor one of `=:,;()[]{}"'<>|`), DIGIT, LETTER (and `_`), WORD, HEX. */
const RUN = 1;
const DIGIT = 2;
const LETTER = 4;
const WORD = 8;
const HEXC = 16;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (!isSpace(c) && !`=:,;()[]{}"'<>|`.includes(String.fromCharCode(c))) CLASS[c] |= RUN;
  if (c >= 48 && c <= 57) CLASS[c] |= DIGIT | WORD | HEXC;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) CLASS[c] |= LETTER | WORD;
  if ((c >= 65 && c <= 70) || (c >= 97 && c <= 102)) CLASS[c] |= HEXC;
}
const classOf = (c: number) => (c < 128 ? CLASS[c] : RUN);

/** Rule `id`: every maximal run holding both a letter (or `_`) and a digit becomes `<id>`. */
export function maskIdRuns(s: string): string {
  const n = s.length;
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < n) {
    let k = classOf(s.charCodeAt(i));
    if ((k & RUN) === 0) {
      i++;
      continue;
    }
    const start = i;
    let seen = 0;
    do {
      seen |= k;
      k = ++i < n ? classOf(s.charCodeAt(i)) : 0;
    } while (k & RUN);
    if ((seen & (DIGIT | LETTER)) === (DIGIT | LETTER)) {
      out += s.slice(copied, start) + "<id>";
      copied = i;
    }
  }
  return copied === 0 ? s : out + s.slice(copied);
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Rule `num`: `-?\d+(?:[.,:]\d+)*` becomes `<num>`, leftmost and greedy. */
export function maskNumbers(s: string): string {
  const n = s.length;
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    let start = -1;
    if (isDigit(c)) start = i;
    else if (c === 45 /* - */ && i + 1 < n && isDigit(s.charCodeAt(i + 1))) start = i++;
    if (start < 0) {
      i++;
      continue;
    }
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    for (;;) {
      const sep = s.charCodeAt(i);
      if ((sep === 46 || sep === 44 || sep === 58) && i + 1 < n && isDigit(s.charCodeAt(i + 1))) {
        i++;
        while (i < n && isDigit(s.charCodeAt(i))) i++;
      } else break;
    }
    out += s.slice(copied, start) + "<num>";
    copied = i;
  }
  return copied === 0 ? s : out + s.slice(copied);
}

const isWord = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c < 128 && (CLASS[c] & WORD) !== 0;
};
const isHex = (c: number) => c < 128 && (CLASS[c] & HEXC) !== 0;

/**
 * Rule `hex`: `\b0[xX]HEX+\b|\b(?:[0-9]+[a-fA-F]|[a-fA-F]+[0-9])HEX{6,}\b` becomes `<hex>`. A match
 * starts a word and runs over all its hex digits to the word's end (no backtracking can end it inside).
 */
export function maskHex(s: string): string {
  const n = s.length;
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < n) {
    if (!isWord(s, i) || (i > 0 && isWord(s, i - 1))) {
      i++;
      continue;
    }
    let end = i;
    while (end < n && isHex(s.charCodeAt(end))) end++;
    const bounded = end === n || !isWord(s, end);
    let match = false;
    if (bounded && end > i) {
      const c0 = s.charCodeAt(i);
      const c1 = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c0 === 48 && (c1 === 120 || c1 === 88)) {
        // `0x` then hex digits: the x is not a hex digit, so the run stopped there
      } else {
        // the first kind change (digits then a-f, or a-f then a digit) and six or more after it
        const digitFirst = isDigit(c0);
        let k = i;
        while (k < end && isDigit(s.charCodeAt(k)) === digitFirst) k++;
        match = k < end && end - (k + 1) >= 6;
      }
    }
    if (!match && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120) {
      let j = i + 2;
      while (j < n && isHex(s.charCodeAt(j))) j++;
      if (j > i + 2 && (j === n || !isWord(s, j))) {
        match = true;
        end = j;
      }
    }
    if (match) {
      out += s.slice(copied, i) + "<hex>";
      copied = end;
      i = end;
    } else {
      while (i < n && isWord(s, i)) i++;
    }
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/** Scanners by rule name. */
export const FAST_MASKS: Readonly<Record<string, (s: string) => string>> = {
  hex: maskHex,
  id: maskIdRuns,
  num: maskNumbers,
};

/** Runs found by `maskIdsAndNumbers`: start, end and whether the run is an id (else it holds digits). */
let runStarts = new Int32Array(256);
let runEnds = new Int32Array(256);
let runIsId = new Uint8Array(256);

/** Whether the word `s[start, end)` (a maximal run of `\w`) is what rule `hex` masks. */
function isHexWord(s: string, start: number, end: number): boolean {
  const c0 = s.charCodeAt(start);
  if (c0 === 48 && end - start > 2 && (s.charCodeAt(start + 1) | 32) === 120) {
    let j = start + 2;
    while (j < end && isHex(s.charCodeAt(j))) j++;
    if (j === end) return true;
  }
  for (let j = start; j < end; j++) if (!isHex(s.charCodeAt(j))) return false;
  const digitFirst = isDigit(c0);
  let k = start;
  while (k < end && isDigit(s.charCodeAt(k)) === digitFirst) k++;
  return k < end && end - (k + 1) >= 6;
}

/**
 * Rules `hex`, `id` and `num` in one scan, for text where rule `hex` masks nothing; undefined when it
 * would (then the three scanners run one after the other). A line's runs are found first: one holding a
 * letter and a digit is an id, and a number may continue over `,` or `:` only into a run that is not.
 */
export function maskIdsAndNumbers(s: string): string | undefined {
  const n = s.length;
  let count = 0;
  let i = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    let k = c < 128 ? CLASS[c] : RUN;
    if ((k & RUN) === 0) {
      i++;
      continue;
    }
    const start = i;
    let seen = 0;
    let word = -1;
    for (;;) {
      seen |= k;
      if (k & WORD) {
        if (word < 0) word = i;
      } else if (word >= 0) {
        // a word without a digit is never hex
        if ((seen & DIGIT) !== 0 && isHexWord(s, word, i)) return undefined;
        word = -1;
      }
      if (++i === n) break;
      c = s.charCodeAt(i);
      k = c < 128 ? CLASS[c] : RUN;
      if ((k & RUN) === 0) break;
    }
    if ((seen & DIGIT) === 0) continue;
    if (word >= 0 && isHexWord(s, word, i)) return undefined;
    if (count === runStarts.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, b: T) => (b.set(a), b);
      runStarts = grow(runStarts, new Int32Array(count * 2));
      runEnds = grow(runEnds, new Int32Array(count * 2));
      runIsId = grow(runIsId, new Uint8Array(count * 2));
    }
    runStarts[count] = start;
    runEnds[count] = i;
    runIsId[count] = seen & LETTER ? 1 : 0;
    count++;
  }
  if (count === 0) return s;
  let out = "";
  let copied = 0;
  for (let r = 0; r < count; r++) {
    if (runIsId[r] === 1) {
      out += s.slice(copied, runStarts[r]) + "<id>";
      copied = runEnds[r];
      continue;
    }
    let p = runStarts[r];
    let end = runEnds[r];
    while (p < end) {
      const c = s.charCodeAt(p);
      let start = -1;
      if (isDigit(c)) start = p;
      else if (c === 45 /* - */ && p + 1 < end && isDigit(s.charCodeAt(p + 1))) start = p++;
      if (start < 0) {
        p++;
        continue;
      }
      while (p < end && isDigit(s.charCodeAt(p))) p++;
      for (;;) {
        const sep = s.charCodeAt(p);
        if (sep === 46 /* . */ && p + 1 < end && isDigit(s.charCodeAt(p + 1))) {
          p++;
        } else if (
          (sep === 44 /* , */ || sep === 58) /* : */ &&
          p === end &&
          r + 1 < count &&
          runStarts[r + 1] === p + 1 &&
          runIsId[r + 1] === 0 &&
          isDigit(s.charCodeAt(p + 1))
        ) {
          r++;
          end = runEnds[r];
          p++;
        } else break;
        while (p < end && isDigit(s.charCodeAt(p))) p++;
      }
      out += s.slice(copied, start) + "<num>";
      copied = p;
    }
  }
  return out + s.slice(copied);
}

// Features of a line, found in one scan, that a rule needs before it can match (a conservative test
// in front of its own pre-tests). Each rule replaces what it matches by a placeholder in `<>`, sometimes
// with `/`, quotes or brackets around it that the rule itself needs; so a run of characters without
// `<`, `>` or those that some rule's output holds was in the line itself, and a feature below that is not
// in the line is in no text that an earlier rule makes of it.
const F_DIGIT = 1 << 0;
const F_COLON = 1 << 1;
const F_EQUALS = 1 << 2;
const F_SLASH = 1 << 3;
const F_BACKSLASH = 1 << 4;
const F_AT = 1 << 5;
const F_DASH = 1 << 6;
const F_COMMA = 1 << 7;
const F_DQUOTE = 1 << 8;
const F_SQUOTE = 1 << 9;
const F_BRACKET = 1 << 10;
/** `d` or `D`. */
const F_D = 1 << 11;
/** A digit followed by `:`, `-` or `.`. */
const F_DIGIT_COLON = 1 << 12;
const F_DIGIT_DASH = 1 << 13;
const F_DIGIT_DOT = 1 << 14;
/** A digit, a space and an upper-case letter (a status code and its reason). */
const F_DIGIT_SPACE_UPPER = 1 << 15;
/** An upper-case letter followed by whitespace (an HTTP method before its path). */
const F_UPPER_SPACE = 1 << 16;
/** One of `JFMASOND` followed by a lower-case letter (the start of a month's name). */
const F_MONTH = 1 << 17;
/** `-` followed by a hex digit (inside a UUID). */
const F_DASH_HEX = 1 << 18;
/** `yJ` (inside `eyJ`, the start of a JWT). */
const F_YJ = 1 << 19;

const SINGLE = new Uint32Array(128);
/**
 * Kinds of the character before: 0 other, 1 digit, 2 upper case, 3 one of `JFMASOND`, 4 `-`, 5 `y`,
 * 6 a space after a digit. `NEXT` gives the kind of a character after one of each kind, `AFTER` the
 * features it adds.
 */
const KINDS = 7;
const AFTER = new Uint32Array(KINDS * 128);
const NEXT = new Uint8Array(KINDS * 128);
for (const [chars, bit] of [
  ["0123456789", F_DIGIT],
  [":", F_COLON],
  ["=", F_EQUALS],
  ["/", F_SLASH],
  ["\\", F_BACKSLASH],
  ["@", F_AT],
  ["-", F_DASH],
  [",", F_COMMA],
  ['"', F_DQUOTE],
  ["'", F_SQUOTE],
  ["[", F_BRACKET],
  ["dD", F_D],
] as const) {
  for (const ch of chars) SINGLE[ch.charCodeAt(0)] |= bit;
}
const at = (kind: number, c: string) => kind * 128 + c.charCodeAt(0);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let kind = 0;
  if (c >= 48 && c <= 57) kind = 1;
  else if (c >= 65 && c <= 90) kind = "JFMASOND".includes(ch) ? 3 : 2;
  else if (ch === "-") kind = 4;
  else if (ch === "y") kind = 5;
  for (let k = 0; k < KINDS; k++) NEXT[k * 128 + c] = kind;
  if (isSpace(c)) AFTER[2 * 128 + c] = AFTER[3 * 128 + c] = F_UPPER_SPACE;
  if (c >= 97 && c <= 122) AFTER[3 * 128 + c] |= F_MONTH;
  if (c >= 65 && c <= 90) AFTER[6 * 128 + c] |= F_DIGIT_SPACE_UPPER;
  if (isHex(c)) AFTER[4 * 128 + c] |= F_DASH_HEX;
}
NEXT[at(1, " ")] = 6;
AFTER[at(1, ":")] = F_DIGIT_COLON;
AFTER[at(1, "-")] = F_DIGIT_DASH;
AFTER[at(1, ".")] = F_DIGIT_DOT;
AFTER[at(5, "J")] = F_YJ;

/** The features of a line (bits). */
export function lineFeatures(s: string): number {
  let bits = 0;
  let kind = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      bits |= SINGLE[c] | AFTER[kind * 128 + c];
      kind = NEXT[kind * 128 + c];
    } else kind = 0;
  }
  return bits;
}

/**
 * What each rule needs, by rule name: all of `all`, and one of `any` when given (a rule not listed
 * is always tried). Each follows from the rule's pattern, `needs` or `hint` in masks.ts. None relies on
 * digits behind a placeholder: a line may hold `<num>` as text.
 */
export const RULE_FEATURES: Readonly<Record<string, { all: number; any?: number }>> = {
  json_value: { all: F_DQUOTE | F_COLON },
  http_request: { all: F_UPPER_SPACE },
  url: { all: F_COLON | F_SLASH },
  email: { all: F_AT },
  uuid: { all: F_DASH_HEX },
  token: { all: F_YJ },
  path: { all: F_SLASH },
  winpath: { all: F_COLON | F_BACKSLASH },
  time: { all: 0, any: F_DIGIT_COLON | F_DIGIT_DASH },
  ip: { all: F_DIGIT_DOT },
  hex: { all: F_DIGIT },
  http_status: { all: F_DIGIT_SPACE_UPPER },
  id_value: { all: F_D, any: F_COLON | F_EQUALS },
  id: { all: F_DIGIT },
  num: { all: F_DIGIT },
  date: { all: F_MONTH },
  text: { all: F_DQUOTE },
  text_single: { all: F_SQUOTE },
  list: { all: F_BRACKET | F_COMMA },
};
