// Redaction of secrets and personal data in log text, before anything leaves the process.
//
// Rules run in a fixed order, most specific first: config extras, private keys, webhook URLs, credentials in
// URLs and connection strings, provider tokens, command lines, auth headers and cookies, Kubernetes Secrets,
// flags and `key=value` pairs whose key names a secret, XML, e-mail, prose, IP, card and phone numbers; last,
// the literal secrets the library detector (library.ts) found in text about to be posted. Every regex is
// linear-time: quantifiers are bounded, candidates start only at token boundaries, and nothing nests an
// unbounded repetition inside another. Each finding keeps the rule that made it (`explain`).

import { compilePattern, matchSpans, type UserPattern } from "../config/pattern.js";
import { commandLineRule, connectionStringRules } from "./commands.js";
import { CLOSE, Context, type Finding, OPEN, sub, type Rule } from "./engine.js";
import { PEM_END, headerRules, authValue, pemLeftOpen, privateKeyRule } from "./headers.js";
import { flagRule, keyedRule, kubernetesSecretRule, proseRules, xmlRule } from "./keyed.js";
import { classifyKey, worthRedacting } from "./keys.js";
import { emailRules, networkAndNumberRules } from "./personal.js";
import { inContextRules, providerTokenRule, telegramRule, webhookRules } from "./providers.js";
import { credentialLike, looksRandom } from "./values.js";

export type { Finding } from "./engine.js";
export { classifyKey, secretKeyKind } from "./keys.js";
export { luhnValid } from "./personal.js";

export interface RedactionPattern {
  /** Shown in the output as `[REDACTED:<name>]`. */
  name: string;
  /**
   * Regex source. A leading `(?i)` makes it case-insensitive (as in config rules). When the pattern has a
   * named group `secret`, only that group is replaced; otherwise the whole match is.
   */
  pattern: string;
}

/** A secret the library detector found: redacted as a literal from then on. */
export interface LearnedSecret {
  text: string;
  kind: string;
  rule: string;
}

export interface Redactor {
  /** Returns `text` with every secret and personal datum replaced by `[REDACTED:<kind>]`. */
  redactText(text: string): string;
  /**
   * A mined template: `redactText`, and a standalone random-looking token is redacted too, since masking may
   * have cut it from the words that said what it was (`<*>:AAHx…`).
   */
  redactTemplate(template: string): string;
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
  /** `lineByLine`, with what was found on each line. */
  explainLineByLine(): (line: string) => { text: string; findings: Finding[] };
  /** `redactText`, with what was found (and, where it can be told, the text it replaced), in reading order. */
  explain(text: string): { text: string; findings: Finding[] };
  /** Adds literal secrets to redact from now on; returns how many were new. */
  learn(secrets: LearnedSecret[]): number;
  /** How many literal secrets it has learned. */
  learned(): number;
}

export interface RedactorOptions {
  /** Our built-in rules (default true). Off only to measure the library detector alone. */
  builtin?: boolean;
}

export class RedactionPatternError extends Error {}

const ALREADY_REDACTED = /\[REDACTED(?::[A-Za-z0-9._-]{1,64})?\]/g;

function builtinRules(): Rule[] {
  return [
    privateKeyRule(),
    ...webhookRules(),
    ...connectionStringRules(),
    providerTokenRule(),
    telegramRule(),
    ...inContextRules(),
    commandLineRule(),
    ...headerRules(),
    kubernetesSecretRule(),
    flagRule(),
    ...keyedRule(),
    xmlRule(),
    ...emailRules(),
    ...proseRules(),
    ...networkAndNumberRules(),
  ];
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
  const rule = `config:${kind}`;
  return {
    apply: (text, ctx) => {
      if (!re.test(text)) return text;
      let out = "";
      let last = 0;
      for (const span of matchSpans(re, text)) {
        const [start, end] = span.secret ?? [span.start, span.end];
        out += text.slice(last, start) + ctx.hide(kind, rule);
        last = end;
      }
      return out + text.slice(last);
    },
  };
}

// A token of a template on its own: long, and random-looking (see values.ts).
const TEMPLATE_TOKEN = /(?<![A-Za-z0-9+/=_.~-])[A-Za-z0-9+/=_.~-]{20,4096}(?![A-Za-z0-9+/=_.~-])/g;

const MAX_DEPTH = 64;

export function createRedactor(extra: RedactionPattern[] = [], options: RedactorOptions = {}): Redactor {
  const rules = [...extra.map(extraRule), ...(options.builtin === false ? [] : builtinRules())];
  const learned = new Map<string, LearnedSecret>();
  // All learned literals in one regex, longest first, rebuilt when one is added.
  let learnedRe: RegExp | undefined;
  const learnedRule: Rule = {
    apply: (text, ctx) => {
      if (learned.size === 0) return text;
      learnedRe ??= new RegExp(
        [...learned.keys()]
          .sort((a, b) => b.length - a.length)
          .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join("|"),
        "g",
      );
      return text.replace(learnedRe, (found) => {
        const secret = learned.get(found)!;
        return ctx.hide(secret.kind, secret.rule);
      });
    },
  };

  const run = (text: string, extraRules: Rule[] = []): { input: string; work: string; ctx: Context } => {
    const ctx = new Context();
    // A placeholder is made of private-use characters; ones already in the input cannot be forged into it.
    const input =
      text.includes(OPEN) || text.includes(CLOSE) ? text.replace(/[\uE000\uE001]/g, "\uFFFD") : text;
    // Text redacted before stays as it is (redaction is idempotent): its labels are not secrets to find.
    let work = input.includes("[REDACTED")
      ? input.replace(ALREADY_REDACTED, (label) => ctx.hideLabel(label))
      : input;
    for (const rule of [...rules, ...extraRules, learnedRule]) {
      if (rule.hint && !rule.hint.test(work)) continue;
      work = rule.apply(work, ctx);
    }
    return { input, work, ctx };
  };

  const redactText = (text: string): string => {
    if (typeof text !== "string" || text === "") return text;
    const { work, ctx } = run(text);
    return ctx.size === 0 ? work : ctx.restore(work);
  };

  // A random-looking token that every message of a pattern repeats is a hard-coded secret until shown
  // otherwise: it is redacted from the template and, learned as a literal, from the samples too.
  const templateTokenRule: Rule = {
    apply: (text, ctx) =>
      sub(text, TEMPLATE_TOKEN, (m) => {
        if (!looksRandom(m[0])) return undefined;
        learn([{ text: m[0], kind: "random-token", rule: "ours:template-token" }]);
        return ctx.hide("random-token", "ours:template-token");
      }),
  };

  const redactTemplate = (template: string): string => {
    if (typeof template !== "string" || template === "") return template;
    const { work, ctx } = run(template, [templateTokenRule]);
    return ctx.size === 0 ? work : ctx.restore(work);
  };

  const explain = (text: string): { text: string; findings: Finding[] } => {
    if (text === "") return { text, findings: [] };
    const { input, work, ctx } = run(text);
    if (ctx.size === 0) return { text: work, findings: [] };
    return { text: ctx.restore(work), findings: ctx.findings(work, input) };
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
        const c = options.builtin === false ? undefined : classifyKey(key);
        if (c?.certainty === "strong") out[redactText(key)] = redactUnder(c.kind, item);
        else if (c && typeof item === "string" && credentialLike(item, c.certainty))
          out[redactText(key)] = `[REDACTED:${c.kind}]`;
        else out[redactText(key)] = walk(item, depth + 1, seen);
      }
      result = out;
    }
    seen.delete(value);
    return result;
  };

  const redactValue = <T>(value: T): T => walk(value, 0, new WeakSet()) as T;

  const explainLineByLine = (): ((line: string) => { text: string; findings: Finding[] }) => {
    let inKey = false;
    const keyBody: Finding = { kind: "private-key", rule: "ours:private-key" };
    return (line) => {
      if (inKey) {
        PEM_END.lastIndex = 0;
        const end = PEM_END.exec(line);
        if (!end) return { text: "[REDACTED:private-key]", findings: [keyBody] };
        inKey = false;
        const rest = explain(line.slice(end.index + end[0].length));
        return { text: "[REDACTED:private-key]" + rest.text, findings: [keyBody, ...rest.findings] };
      }
      inKey = pemLeftOpen(line);
      return explain(line);
    };
  };

  const lineByLine = (): ((line: string) => string) => {
    const next = explainLineByLine();
    return (line) => next(line).text;
  };

  const learn = (secrets: LearnedSecret[]): number => {
    let added = 0;
    for (const secret of secrets) {
      // Short literals would hit ordinary words.
      if (secret.text.length < 6 || learned.has(secret.text)) continue;
      learned.set(secret.text, secret);
      added++;
    }
    if (added > 0) learnedRe = undefined;
    return added;
  };

  return {
    redactText,
    redactTemplate,
    redactValue,
    lineByLine,
    explainLineByLine,
    explain,
    learn,
    learned: () => learned.size,
  };
}

/** The redactor with the built-in rules only. */
export const defaultRedactor: Redactor = createRedactor();

/** `defaultRedactor.redactText`. */
export const redactText = (text: string): string => defaultRedactor.redactText(text);

/** `defaultRedactor.redactValue`. */
export const redactValue = <T>(value: T): T => defaultRedactor.redactValue(value);
