// Hand-written equivalents of the costliest mask rules of masks.ts, each one linear scan. They must give
// exactly what the rule's regular expression gives (masks.test.ts checks it on a corpus and on random
// text); when a rule changes, change its scanner or drop it from FAST_MASKS.

/** JavaScript's `\s`. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

const DELIMITER = new Uint8Array(128);
for (const ch of `=:,;()[]{}"'<>|`) DELIMITER[ch.charCodeAt(0)] = 1;

/** A character of a run: not a space nor one of `=:,;()[]{}"'<>|` (the `RUN` class of masks.ts). */
function isRun(c: number): boolean {
  return c < 128 ? DELIMITER[c] === 0 && !isSpace(c) : !isSpace(c);
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Rule `id`: every maximal run holding both a letter (or `_`) and a digit becomes `<id>`. */
export function maskIdRuns(s: string): string {
  const n = s.length;
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < n) {
    if (!isRun(s.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let letter = false;
    let digit = false;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (!isRun(c)) break;
      if (isDigit(c)) digit = true;
      else if (isLetter(c)) letter = true;
    }
    if (letter && digit) {
      out += s.slice(copied, start) + "<id>";
      copied = i;
    }
  }
  return copied === 0 ? s : out + s.slice(copied);
}

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

/** Scanners by rule name. */
export const FAST_MASKS: Readonly<Record<string, (s: string) => string>> = {
  id: maskIdRuns,
  num: maskNumbers,
};
