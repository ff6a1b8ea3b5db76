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
