import { RE2JS } from "re2js";

/**
 * A pattern a repo's config supplies (`redaction.extra`, triage rules), compiled for RE2: matching takes
 * time linear in the text whatever the pattern, so no config can stall the process that serves every
 * tenant. RE2 is also Cloud Logging's own syntax; `(?i)` makes a pattern case-insensitive. Lookaround
 * and backreferences are not supported.
 */
export type UserPattern = RE2JS;

export class PatternError extends Error {}

export function compilePattern(pattern: string): UserPattern {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(
      /^error parsing regexp: /,
      "",
    );
    throw new PatternError(reason);
  }
}

/** Each match of `pattern` in `text` as [start, end], with the span of its `secret` group when it has one. */
export function* matchSpans(
  pattern: UserPattern,
  text: string,
): Generator<{ start: number; end: number; secret?: [number, number] }> {
  const named = "secret" in pattern.namedGroups();
  const m = pattern.matcher(text);
  while (m.find()) {
    const start = m.start();
    const end = m.end();
    if (end === start) continue;
    const s = named ? m.start("secret") : -1;
    yield { start, end, ...(s >= 0 ? { secret: [s, m.end("secret")] as [number, number] } : {}) };
  }
}
