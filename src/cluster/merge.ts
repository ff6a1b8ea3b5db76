// Templates of one pattern whose messages have a varying number of tokens: an optional parenthesised
// part (`403 bytes sent` / `1190 bytes (1.16 KB) sent`), a status text of one or two words after a
// number (`200 OK` / `502 Bad Gateway`), a free-text reason after a colon (`failed: disk full` /
// `failed: connection reset by peer`). The miner keeps templates of one length each; this pass aligns
// templates (longest common subsequence, a bare variable matching any bare variable) and merges two of
// different lengths when every span left unaligned is variable-like. Endings after a colon are free
// text only where many templates (`tailGroup`) differ in nothing else, of any length; the template kept
// then shows `<text>` there, and a later run's template with the same words up to the colon joins it.
// A few different endings stay apart: they name different events (`status: 'ok'` / `'timeout'`).
import { isMasked, isPlaceholder, LINE_BREAK, WILDCARD } from "./mask.js";

export interface MergeOptions {
  /** Longest unaligned span, in tokens, on either side. */
  maxGap: number;
  /** A span at the end after a word ending in `:` is free text, whatever its words. */
  tail: boolean;
  /** Fewest words a free-text tail has on each side. */
  tailMin: number;
  /** The colon before a free-text tail may end a variable (`from <ip>:`), not only a word. */
  tailAfterVariable: boolean;
  /** Tails are free text only where at least this many templates differ only in them. */
  tailGroup: number;
}

/** Templates compared pairwise at most; past this the pass is skipped (it is quadratic). */
const MAX_TEMPLATES = 4000;
/** Templates a word may be in and still find candidates to compare. */
const MAX_POSTINGS = 256;

interface Shape {
  tokens: readonly string[];
  masked: boolean[];
  bare: boolean[];
  plain: Set<string>;
}

function shapeOf(tokens: readonly string[]): Shape | undefined {
  if (tokens.includes(LINE_BREAK)) return undefined;
  const masked = tokens.map((t) => isMasked(t));
  const bare = tokens.map((t) => isPlaceholder(t));
  const plain = new Set(tokens.filter((_, i) => !masked[i]));
  return { tokens, masked, bare, plain };
}

/** Pairs of aligned positions (i in a, j in b), in order: a longest common subsequence. */
function align(a: Shape, b: Shape): Array<[number, number]> {
  const n = a.tokens.length;
  const m = b.tokens.length;
  const w = m + 1;
  const dp = new Uint16Array((n + 1) * w);
  // a bare variable matches any bare variable; other tokens (words around a variable too) match themselves
  const eq = (i: number, j: number) => a.tokens[i] === b.tokens[j] || (a.bare[i] && b.bare[j]);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i * w + j] = eq(i, j)
        ? dp[(i + 1) * w + j + 1] + 1
        : Math.max(dp[(i + 1) * w + j], dp[i * w + j + 1]);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (eq(i, j) && dp[i * w + j] === dp[(i + 1) * w + j + 1] + 1) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (dp[(i + 1) * w + j] >= dp[i * w + j + 1]) i++;
    else j++;
  }
  return pairs;
}

const OPENS = /^[([{]/;
const CLOSES = /[)\]}][,;.]?$/;
const WORD = /^[A-Za-z]+$/;

/** A token masked by a rule (`<num>`, `(<num>`), not a slot the miner generalised (`<*>`). */
function ruleMasked(s: Shape, k: number): boolean {
  return s.masked[k] && s.tokens[k] !== WILDCARD;
}

/**
 * Whether a span that one template has and the other lacks (or has as variables only) is optional:
 * variables only, or one bracketed group (`(1.16 KB)`).
 */
function optionalSpan(s: Shape, from: number, to: number): boolean {
  if (to <= from) return true;
  let variables = true;
  let masked = false;
  for (let k = from; k < to; k++) {
    if (!s.masked[k]) variables = false;
    if (ruleMasked(s, k)) masked = true;
  }
  if (variables) return masked;
  return OPENS.test(s.tokens[from]) && CLOSES.test(s.tokens[to - 1]) && masked;
}

function onlyVariables(s: Shape, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (!s.masked[k]) return false;
  return true;
}

function words(s: Shape, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (!WORD.test(s.tokens[k])) return false;
  return true;
}

const NO = 0;
const YES = 1;
/** One pattern if free-text tails are variables (decided per group of tails, see `tailGroup`). */
const BY_TAIL = 2;

/** Whether two templates are one pattern (see the file comment): NO, YES or BY_TAIL. */
function sameVariableLengthPattern(a: Shape, b: Shape, opts: MergeOptions): number {
  if (opts.tail && (continuesFreeText(a, b) || continuesFreeText(b, a))) return YES;
  const pairs = align(a, b);
  let plainAligned = 0;
  for (const [i] of pairs) if (!a.masked[i]) plainAligned++;
  // the words both share carry the pattern: at least two, and most of each side's words (a free-text
  // tail's words apart)
  const [li, lj] = pairs.length > 0 ? pairs[pairs.length - 1] : [-1, -1];
  const tail = li >= 0 && freeTextTail(a, b, li, lj, opts);
  const plainA = tail ? plainCount(a, li + 1) : a.plain.size;
  const plainB = tail ? plainCount(b, lj + 1) : b.plain.size;
  if (plainAligned < 2 || plainAligned * 2 < Math.max(plainA, plainB)) return NO;
  let pi = -1;
  let pj = -1;
  let byTail = false;
  const sameLength = a.tokens.length === b.tokens.length;
  for (let k = 0; k <= pairs.length; k++) {
    const [ni, nj] = k < pairs.length ? pairs[k] : [a.tokens.length, b.tokens.length];
    const ga = ni - pi - 1;
    const gb = nj - pj - 1;
    if (ga > 0 || gb > 0) {
      const atEnd = k === pairs.length;
      if (atEnd && freeTextTail(a, b, pi, pj, opts)) byTail = true;
      // templates of one length differ in words the miner judged: only a free-text tail joins them
      else if (sameLength || ga > opts.maxGap || gb > opts.maxGap) return NO;
      else if (!gapIsVariable(a, b, pi, pj, ni, nj)) return NO;
    }
    pi = ni;
    pj = nj;
  }
  return byTail ? BY_TAIL : sameLength ? NO : YES;
}

/** Distinct plain words before `end`. */
function plainCount(s: Shape, end: number): number {
  const words = new Set<string>();
  for (let k = 0; k < end; k++) if (!s.masked[k]) words.add(s.tokens[k]);
  return words.size;
}

/**
 * Free text at the end after `word …:` (a word ending in a colon, or with `tailAfterVariable` a
 * variable after a word), of at least `tailMin` words on both sides.
 */
function freeTextTail(a: Shape, b: Shape, pi: number, pj: number, opts: MergeOptions): boolean {
  if (!opts.tail || pi < 1 || !a.tokens[pi].endsWith(":")) return false;
  if (a.masked[pi] && (!opts.tailAfterVariable || a.masked[pi - 1])) return false;
  const ta = a.tokens.length - pi - 1;
  const tb = b.tokens.length - pj - 1;
  return Math.min(ta, tb) >= opts.tailMin;
}

function gapIsVariable(a: Shape, b: Shape, pi: number, pj: number, ni: number, nj: number): boolean {
  // a status text of one or two words after a bare number on both sides (`200 OK`, `502 Bad Gateway`)
  if (
    pi >= 0 &&
    isPlaceholder(a.tokens[pi]) &&
    isPlaceholder(b.tokens[pj]) &&
    ni - pi - 1 >= 1 &&
    nj - pj - 1 >= 1 &&
    ni - pi - 1 <= 2 &&
    nj - pj - 1 <= 2 &&
    words(a, pi + 1, ni) &&
    words(b, pj + 1, nj)
  )
    return true;
  // an optional part on one side, or a run of variables of different lengths
  if (onlyVariables(a, pi + 1, ni)) return optionalSpan(b, pj + 1, nj) && optionalSpan(a, pi + 1, ni);
  if (onlyVariables(b, pj + 1, nj)) return optionalSpan(a, pi + 1, ni) && optionalSpan(b, pj + 1, nj);
  return false;
}

/** Joins the sets of i and j; the smaller index stays the root. */
function union(parent: number[], find: (i: number) => number, i: number, j: number): void {
  const ri = find(i);
  const rj = find(j);
  if (ri < rj) parent[rj] = ri;
  else if (rj < ri) parent[ri] = rj;
}

/**
 * For each template (by index), the index of the template it merges into: the first (oldest) of its
 * group, so ids stay those of the templates created first.
 */
export function mergeVariableLength(
  templates: ReadonlyArray<readonly string[]>,
  opts: MergeOptions,
): MergeResult {
  const parent = templates.map((_, i) => i);
  if (templates.length > MAX_TEMPLATES) return { into: parent, freeText: new Map() };
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const shapes = templates.map(shapeOf);
  const byWord = new Map<string, number[]>();
  shapes.forEach((s, i) => {
    if (s === undefined) return;
    for (const word of s.plain) {
      const list = byWord.get(word);
      if (list) list.push(i);
      else byWord.set(word, [i]);
    }
  });
  const tailParent = templates.map((_, i) => i);
  const findTail = (i: number): number => {
    while (tailParent[i] !== i) i = tailParent[i] = tailParent[tailParent[i]];
    return i;
  };
  for (let i = 0; i < shapes.length; i++) {
    const a = shapes[i];
    if (a === undefined || a.plain.size < 2) continue;
    const shared = new Map<number, number>();
    for (const word of a.plain) {
      const postings = byWord.get(word) ?? [];
      // a word in very many templates (`to`, `the`) finds no candidates: it would make this quadratic
      if (postings.length > MAX_POSTINGS) continue;
      for (const j of postings) if (j > i) shared.set(j, (shared.get(j) ?? 0) + 1);
    }
    for (const [j, n] of shared) {
      const b = shapes[j] as Shape;
      if (n < 2 || find(i) === find(j)) continue;
      const same = sameVariableLengthPattern(a, b, opts);
      if (same === YES) union(parent, find, i, j);
      else if (same === BY_TAIL) union(tailParent, findTail, i, j);
    }
  }
  // a group of templates that differ only in their tails: free text when the tails are many
  const groups = new Map<number, number[]>();
  tailParent.forEach((_, i) => {
    const root = findTail(i);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  });
  const tails: number[][] = [];
  const displays: Array<[number, string[]]> = [];
  for (const group of groups.values()) {
    if (group.length < opts.tailGroup) continue;
    for (const i of group) union(parent, find, group[0], i);
    tails.push(group);
  }
  // where a group's first template is the one kept, its tail is shown as free text, and any other
  // template with the same words up to the colon joins it (as it would in a later run, see
  // `continuesFreeText`)
  for (const group of tails) {
    const root = find(group[0]);
    if (root !== group[0]) continue;
    const kept = shapes[root] as Shape;
    const pairs = align(kept, shapes[group[1]] as Shape);
    let anchor = pairs.length - 1;
    while (anchor >= 0 && !kept.tokens[pairs[anchor][0]].endsWith(":")) anchor--;
    if (anchor < 0) continue;
    const tokens = [...kept.tokens.slice(0, pairs[anchor][0] + 1), FREE_TEXT];
    displays.push([root, tokens]);
    const display = shapeOf(tokens) as Shape;
    shapes.forEach((other, j) => {
      if (other !== undefined && find(j) !== find(root) && continuesFreeText(display, other))
        union(parent, find, root, j);
    });
  }
  const freeText = new Map(displays.map(([root, tokens]) => [find(root), tokens]));
  return { into: parent.map((_, i) => find(i)), freeText };
}

export interface MergeResult {
  /** For each template, the index of the template it merges into (itself when kept). */
  into: number[];
  /** Kept templates whose tail is free text: the tokens they are shown as (ending in `<text>`). */
  freeText: Map<number, string[]>;
}

/** The placeholder of a free-text tail. */
export const FREE_TEXT = "<text>";

/**
 * Whether `b` continues a template that ends in `word…: <text>` (a free-text tail decided in an
 * earlier run): the same tokens up to the colon, then any words.
 */
function continuesFreeText(a: Shape, b: Shape): boolean {
  const n = a.tokens.length;
  if (n < 3 || a.tokens[n - 1] !== FREE_TEXT || !a.tokens[n - 2].endsWith(":") || b.tokens.length < n)
    return false;
  for (let k = 0; k < n - 1; k++) {
    if (a.tokens[k] !== b.tokens[k] && !(a.bare[k] && b.bare[k])) return false;
  }
  return true;
}
