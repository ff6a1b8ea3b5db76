// Masking: turns a raw log message into a list of tokens where variable parts are replaced by named
// placeholders (`<num>`, `<ip>`, `<uuid>`, ...; the rules live in masks.ts, the one source of masks).
// No vocabulary of any particular system. Multi-line messages (stack traces) are reduced to their shape.
import { FAST_MASKS, RULE_FEATURES, lineFeatures, maskIdsAndNumbers } from "./fast-masks.js";
import { MASK_RULES, PLACEHOLDERS, compileRules, type MaskRule } from "./masks.js";

/** The wildcard shown for a slot that took values of several kinds. */
export const WILDCARD = "<*>";

/** Characters kept from one message; the rest is dropped before masking. */
export const MAX_CHARS = 2048;
/** Tokens kept from one message; a longer message ends in one wildcard. */
export const MAX_TOKENS = 64;
/** Shape lines kept from a multi-line message (after the first line). */
export const MAX_SHAPE_LINES = 24;

/** A mask rule's cheap pre-tests: what the text must include and a pattern it must match. */
interface PreTest {
  needs?: string;
  hint?: RegExp;
  /** Features of the line (see `lineFeatures`) the rule needs: all of `all`, one of `any` (when not 0). */
  all: number;
  any: number;
}

/** Compiled mask rules, each with its cheap pre-tests. */
export type Maskers = ReadonlyArray<
  PreTest & {
    apply: (s: string) => string;
    raw?: boolean;
    /**
     * Several rules in one scan (`apply` returns undefined when it cannot stand in for them), used when
     * none of the `guards` (the rules in between that are not part of the scan) would apply.
     */
    fused?: { apply: (s: string) => string | undefined; guards: readonly PreTest[]; skip: number };
  }
>;

/**
 * Maskers for a rule set (the default is every rule of masks.ts): a rule's scanner from fast-masks.ts
 * where there is one, else its regular expression behind its pre-tests; rules `hex` to `num` in one scan
 * where the rules between them do not apply.
 */
export function createMaskers(rules: readonly MaskRule[] = MASK_RULES): Maskers {
  const maskers: Array<Maskers[number]> = compileRules(rules).map(({ rule, regex, replacement }) => ({
    apply: FAST_MASKS[rule.name] ?? ((s: string) => s.replace(regex, replacement)),
    needs: rule.needs,
    hint: rule.hint === undefined ? undefined : new RegExp(rule.hint),
    raw: rule.rawOnly,
    all: RULE_FEATURES[rule.name]?.all ?? 0,
    any: RULE_FEATURES[rule.name]?.any ?? 0,
  }));
  const at = (name: string) => rules.findIndex((r) => r.name === name);
  const [hex, id, num] = [at("hex"), at("id"), at("num")];
  const guards = maskers.slice(hex + 1, id);
  if (hex >= 0 && id > hex && num === id + 1 && guards.every((g) => !g.raw && (g.needs ?? g.hint))) {
    maskers[hex] = { ...maskers[hex], fused: { apply: maskIdsAndNumbers, guards, skip: num - hex } };
  }
  return maskers;
}

/** Reference maskers: every rule's regular expression, in order, with no shortcut (for tests). */
export function referenceMaskers(rules: readonly MaskRule[] = MASK_RULES): Maskers {
  return compileRules(rules).map(({ rule, regex, replacement }) => ({
    apply: (s: string) => s.replace(regex, replacement),
    raw: rule.rawOnly,
    all: 0,
    any: 0,
  }));
}

const MASKERS = createMaskers();

const passes = (t: PreTest, s: string, features: number) =>
  (features & t.all) === t.all &&
  (t.any === 0 || (features & t.any) !== 0) &&
  (t.needs === undefined || s.includes(t.needs)) &&
  (t.hint === undefined || t.hint.test(s));

/**
 * Masks one line of text (no newline inside): the rules of masks.ts in order, each skipped when the
 * text lacks what it needs. A test proves this equals `maskWithRules` on a corpus.
 */
export function maskLine(line: string, template = false, maskers: Maskers = MASKERS): string {
  let s = line;
  const features = lineFeatures(line);
  for (let k = 0; k < maskers.length; k++) {
    const m = maskers[k];
    if (template && m.raw) continue;
    const fused = m.fused;
    if (fused !== undefined) {
      let guarded = false;
      for (const g of fused.guards) if (passes(g, s, features)) guarded = true;
      const r = guarded ? undefined : fused.apply(s);
      if (r !== undefined) {
        s = r;
        k += fused.skip;
        continue;
      }
    }
    if (passes(m, s, features)) s = m.apply(s);
  }
  return s;
}

const MASKED = new RegExp(`<(?:${PLACEHOLDERS.map((p) => p.replace("*", "\\*")).join("|")})>`);

/** Whether a token holds a placeholder (a variable part), as opposed to a plain word. */
export function isMasked(token: string): boolean {
  return token.includes("<") && MASKED.test(token);
}

const JAVA_FRAME = /^at\s+([^\s(]+)/;
const PY_FRAME = /^File\s+"([^"]*)"(?:,\s*line\s+\S+)?,\s*in\s+(\S+)/;
const EXCEPTION =
  /^(Caused by:\s+|Suppressed:\s+)?((?:[\w$]+\.)*[A-Za-z_$][\w$]*(?:Error|Exception|Throwable|Fault|Failure|Exit|Interrupt|Warning)\w*)(?=:|$|\s)/;
const CARETS = /^[\^~]+$/;
const OMITTED = /^\.\.\.\s*\d+\s+(?:more|common frames omitted)/;

/** Reduces a non-first line of a multi-line message to its shape, or undefined to drop it. */
function shapeLine(
  raw: string,
  previousWasPyFrame: boolean,
  template: boolean,
  maskers: Maskers,
): string | undefined {
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
  return maskLine(line, template, maskers);
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
export function maskTokens(message: string, template = false, maskers: Maskers = MASKERS): string[] {
  let s = message.length > MAX_CHARS ? message.slice(0, MAX_CHARS) : message;
  const tokens: string[] = [];
  if (s.includes("\n")) {
    const lines = s.split("\n");
    let i = 0;
    while (i < lines.length - 1 && lines[i].trim() === "") i++;
    const first = lines[i].trim();
    const exc = EXCEPTION.exec(first);
    tokenize(exc && !exc[1] ? exc[2] : maskLine(first, template, maskers), tokens);
    let shapeCount = 0;
    let previousPy = false;
    let previousShape = "";
    for (i++; i < lines.length && shapeCount < MAX_SHAPE_LINES; i++) {
      const shaped = shapeLine(lines[i], previousPy, template, maskers);
      previousPy = PY_FRAME.test(lines[i].trim());
      if (shaped === undefined || shaped === previousShape) continue;
      previousShape = shaped;
      shapeCount++;
      tokens.push(LINE_BREAK);
      tokenize(shaped, tokens);
    }
  } else {
    s = maskLine(s, template, maskers);
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
export function maskedKey(message: string, maskers: Maskers = MASKERS): string {
  if (message.length <= MAX_CHARS && !message.includes("\n")) return maskLine(message, false, maskers);
  return renderTokens(maskTokens(message, false, maskers));
}

/** Tokens of a key made by {@link maskedKey}. */
export function keyTokens(key: string, maskers: Maskers = MASKERS): string[] {
  if (key.includes("\n")) return maskTokens(key, false, maskers);
  const tokens: string[] = [];
  tokenize(key, tokens);
  if (tokens.length > MAX_TOKENS) {
    tokens.length = MAX_TOKENS;
    if (tokens[MAX_TOKENS - 1] !== WILDCARD) tokens.push(WILDCARD);
  }
  return tokens;
}

/** Tokens of a template in its human form (as stored in a state file or an issue). */
export function templateTokens(template: string, maskers: Maskers = MASKERS): string[] {
  return maskTokens(template, true, maskers);
}

const PLACEHOLDER = /^<[a-z*]+>$/;

/** Whether a token is a placeholder alone (`<num>`), not a word around one (`(<num>`). */
export function isPlaceholder(token: string): boolean {
  return PLACEHOLDER.test(token);
}
