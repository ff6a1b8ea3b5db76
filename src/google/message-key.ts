// The coarse normalised message that Log Analytics groups by. It must never put together two messages that
// the miner would tell apart (it may keep apart messages the miner joins: the miner merges groups and adds
// their counts), so it is a refinement of the miner's masking. The rule lives here as data: an RE2
// pattern, its replacement and the condition under which it applies; the same data gives the GoogleSQL
// expression and the JavaScript function, and a test runs both (on DuckDB) over a corpus.
//
// Interim rule, until the miner's masks are data of their own: digits collapse to one `0` in single-line
// messages with no double quote and no `://` (inside those the miner keeps JSON keys, URL schemes and
// query keys verbatim, digits included); every other message groups by its text (first 2048 characters).

/** One rule of the coarse key: where `unless` does not match, every match of `pattern` becomes `replacement`. */
export interface KeyRule {
  /** RE2 syntax (also valid JavaScript with the `u` flag). */
  pattern: string;
  replacement: string;
  /** RE2 pattern: messages it matches keep their text. */
  unless: string;
}

/** How a message becomes its coarse key, in SQL and in JavaScript. */
export interface MessageKey {
  /** A GoogleSQL expression of the key of the STRING expression `message`. */
  sql(message: string): string;
  js(message: string): string;
}

/** Characters of a message that count: the miner looks at no more than this. */
export const KEY_CHARS = 2048;

export const DIGIT_RULE: KeyRule = { pattern: "[0-9]+", replacement: "0", unless: '["\\n]|://' };

/** A raw string literal in GoogleSQL; the patterns used here hold no quote or backslash-quote. */
export function sqlRaw(pattern: string): string {
  if (pattern.includes("'")) throw new Error(`pattern cannot be a raw SQL literal: ${pattern}`);
  return `r'${pattern}'`;
}

export function messageKey(rule: KeyRule = DIGIT_RULE): MessageKey {
  const pattern = new RegExp(rule.pattern, "gu");
  const unless = new RegExp(rule.unless, "u");
  return {
    sql(message) {
      const head = `SUBSTR(${message}, 1, ${KEY_CHARS})`;
      return (
        `IF(REGEXP_CONTAINS(${head}, ${sqlRaw(rule.unless)}), ${head}, ` +
        `REGEXP_REPLACE(${head}, ${sqlRaw(rule.pattern)}, '${rule.replacement}'))`
      );
    },
    js(message) {
      // SUBSTR counts code points, not UTF-16 units.
      const head = message.length > KEY_CHARS ? Array.from(message).slice(0, KEY_CHARS).join("") : message;
      return unless.test(head) ? head : head.replace(pattern, rule.replacement);
    },
  };
}
