// The machinery the redaction rules share: opaque placeholders, findings, and a global replace that may decline.
//
// A rule swaps what it finds for a placeholder made of private-use characters, so later rules can neither
// match inside an earlier replacement nor re-match it; placeholders become `[REDACTED:<kind>]` at the very end.
// Each placeholder remembers which rule made it, so `redact --explain` can name the rule of every finding.

/** One thing that was redacted: its kind (the label's name) and the rule that caught it. */
export interface Finding {
  kind: string;
  /** `ours:<rule>`, `config:<name>` (a `redaction.extra` pattern) or `library:<secretlint rule id>`. */
  rule: string;
  /** The text that was redacted, when it could be told apart from its neighbour's. */
  text?: string;
}

export const OPEN = "\uE000";
export const CLOSE = "\uE001";
const DIGIT0 = 0xe010;
const PLACEHOLDER_RE = /\uE000([\uE010-\uE019]+)\uE001/g;
const ONLY_PLACEHOLDERS_RE = /^(?:\s*\uE000[\uE010-\uE019]+\uE001)+\s*$/;

export const onlyHidden = (value: string): boolean => ONLY_PLACEHOLDERS_RE.test(value);

export class Context {
  private readonly labels: string[] = [];
  /** The rule of each label; empty for labels that were already in the input. */
  private readonly rules: string[] = [];

  get size(): number {
    return this.labels.length;
  }

  hide(kind: string, rule: string): string {
    return this.hideLabel(`[REDACTED:${kind}]`, rule);
  }

  hideLabel(label: string, rule = ""): string {
    const index = this.labels.push(label) - 1;
    this.rules.push(rule);
    let code = "";
    for (const ch of String(index)) code += String.fromCharCode(DIGIT0 + ch.charCodeAt(0) - 48);
    return OPEN + code + CLOSE;
  }

  private indexOf(code: string): number {
    let index = 0;
    for (const ch of code) index = index * 10 + (ch.charCodeAt(0) - DIGIT0);
    return index;
  }

  restore(text: string): string {
    return text.replace(
      PLACEHOLDER_RE,
      (_m, code: string) => this.labels[this.indexOf(code)] ?? "[REDACTED]",
    );
  }

  /**
   * The findings left in `work` (placeholders of this context), in reading order. With `original` (the text
   * `work` was made from), each finding also gets the text it replaced: the text between the literal pieces
   * of `work` around its placeholder, found in `original` from left to right.
   */
  findings(work: string, original?: string): Finding[] {
    const out: Finding[] = [];
    const places = [...work.matchAll(PLACEHOLDER_RE)];
    let at = 0; // in `original`, where the current placeholder's text starts
    let last = 0; // in `work`, the end of the previous placeholder
    places.forEach((m, n) => {
      const before = work.slice(last, m.index);
      const found = original?.indexOf(before, at) ?? -1;
      if (found >= 0) at = found + before.length;
      last = m.index + m[0].length;
      const after = work.slice(last, places[n + 1]?.index ?? work.length);
      const lastOne = n === places.length - 1;
      // The text ends where the literal after it starts; the last placeholder's, where the text ends. Two
      // placeholders side by side cannot be told apart.
      const end =
        original === undefined
          ? -1
          : after !== ""
            ? original.indexOf(after, at + 1)
            : lastOne
              ? original.length
              : -1;
      const replaced = found >= 0 && end > at ? original!.slice(at, end) : undefined;
      if (replaced !== undefined) at = end;
      const i = this.indexOf(m[1]);
      const rule = this.rules[i];
      if (!rule) return;
      const kind = this.labels[i].slice("[REDACTED:".length, -1);
      out.push(replaced === undefined ? { kind, rule } : { kind, rule, text: replaced });
    });
    return out;
  }
}

/**
 * Global replace where the callback may decline (undefined): then the search resumes one character after the
 * start of the declined match, so a secret inside a declined span (a quoted message, say) is still found.
 */
export function sub(text: string, re: RegExp, fn: (m: RegExpExecArray) => string | undefined): string {
  re.lastIndex = 0;
  let out = "";
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const replacement = m[0] === "" ? undefined : fn(m);
    if (replacement === undefined) {
      re.lastIndex = m.index + 1;
      continue;
    }
    out += text.slice(last, m.index) + replacement;
    last = m.index + m[0].length;
    re.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** A redaction rule: `hint` is a cheap test that lets a text skip the rule entirely. */
export interface Rule {
  hint?: RegExp;
  apply: (text: string, ctx: Context) => string;
}

// Token boundaries: not preceded / followed by a character that could be part of the same token.
export const L = "(?<![A-Za-z0-9_\\-])";
export const R = "(?![A-Za-z0-9_\\-])";

/** Characters of a value that is only a reference to a secret kept elsewhere: `$TOKEN`, `${DB_PASS}`, `%PWD%`. */
export const VARIABLE_REFERENCE =
  /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\([^)]*\)|%[A-Za-z_][A-Za-z0-9_]*%|\{\{[^}]*\}\})$/;
