// The one source of masks: ordered rules that turn the variable parts of a log message into named
// placeholders. Each rule is data (a name, its placeholder and an RE2-safe pattern), so the same rules
// drive the JavaScript masker (mask.ts) and SQL that masks in the log store (`sqlMaskExpression`).
//
// RE2 safety: no look-around, no back-references, no possessive or atomic groups; a rule that must keep
// the character before its match captures it as group 1 and puts `$1` back in its replacement.
// Case-insensitive rules set `ignoreCase` (SQL gets `(?i)`). Rules apply in order, each to the output of
// the one before; every placeholder is `<name>`, and `<` and `>` end a run, so no rule masks a placeholder.

export interface MaskRule {
  /** Short name, also the placeholder's name unless the rule keeps text around it. */
  name: string;
  /** What a match becomes: the placeholder, with `$1` first when the rule keeps a leading character. */
  replacement: string;
  /** RE2-compatible pattern (and JavaScript-compatible: the same text compiles in both). */
  pattern: string;
  ignoreCase?: boolean;
  /** A cheap test that must hold for the rule to match at all (skips the regular expression). */
  needs?: string;
  /** A cheaper pattern that any text the rule matches also matches (JavaScript pre-test only). */
  hint?: string;
  /** Applies to raw messages only, not when reading back a template (it joins or reorders slots). */
  rawOnly?: boolean;
}

/**
 * Whitespace, spelled out: `\s` means more in JavaScript (Unicode spaces) than in RE2 (no vertical tab
 * either), so no rule writes `\s`; this class means the same in both engines.
 */
export const SPACE_CHARS = "\\t\\n\\v\\f\\r ";
const WS = `[${SPACE_CHARS}]`;
/** Characters that end a run of "word" characters for the id rule (delimiters of key=value text). */
const RUN = `[^${SPACE_CHARS}=:,;()\\[\\]{}"'<>|]`;
const HEX = "[0-9a-fA-F]";
const DELIM_BEFORE = `(^|[${SPACE_CHARS}=:,(\\[{'"])`;

/** The rules, in the order they apply. */
export const MASK_RULES: readonly MaskRule[] = [
  {
    name: "json_value",
    // a JSON string or literal value: same keys in the same order are one pattern
    replacement: "$1<value>",
    pattern: `("[A-Za-z0-9_.$@-]+"${WS}*:${WS}*)(?:"(?:[^"\\\\\\n]|\\\\.)*"|true|false|null)`,
    hint: `"${WS}*:`,
  },
  {
    name: "http_request",
    hint: `(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)${WS}`,
    // an HTTP method before a path or URL (request lines): the method is part of the request, not the pattern
    replacement: "$1<method>$2",
    pattern: `(^|[${SPACE_CHARS}"'\\[(])(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)(${WS}+(?:/|[a-z]+://))`,
  },
  {
    name: "url",
    // keep the scheme and host (they name the dependency), mask path and query
    replacement: "$1/<path>",
    pattern: `([a-zA-Z][a-zA-Z0-9+.-]*://[^${SPACE_CHARS}/?#"'<>]+)[/?#][^${SPACE_CHARS}"'<>]+`,
    needs: "://",
  },
  {
    name: "email",
    replacement: "<email>",
    pattern: "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+",
    needs: "@",
  },
  {
    name: "uuid",
    hint: "-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-",
    replacement: "<uuid>",
    pattern: `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`,
    needs: "-",
  },
  {
    name: "token",
    // JWT-like: base64url header starting with {"
    replacement: "<token>",
    pattern: "eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]*)?",
    needs: "eyJ",
  },
  {
    name: "path",
    replacement: "$1<path>",
    pattern: `${DELIM_BEFORE}(?:/[A-Za-z0-9_.@%+~-]+){2,}/?`,
    needs: "/",
  },
  {
    name: "winpath",
    replacement: "<path>",
    pattern: `\\b[A-Za-z]:\\\\[^${SPACE_CHARS},;:)\\]}'"]+`,
    needs: ":\\",
  },
  {
    name: "time",
    hint: "\\d:\\d\\d|\\d-\\d\\d-",
    // ISO date-times and clock times (before `ip` and `num` take them apart)
    replacement: "<time>",
    pattern:
      "\\b\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?|\\b\\d{1,2}:\\d{2}:\\d{2}(?:[.,]\\d+)?",
  },
  {
    name: "ip",
    hint: "\\d\\.\\d{1,3}\\.\\d",
    replacement: "<ip>",
    pattern: "\\b\\d{1,3}(?:\\.\\d{1,3}){3}(?::\\d{1,5})?\\b",
    needs: ".",
  },
  {
    name: "hex",
    replacement: "<hex>",
    // 0x…, or eight or more hex digits mixing digits and letters
    pattern: `\\b0[xX]${HEX}+\\b|\\b(?:[0-9]+[a-fA-F]|[a-fA-F]+[0-9])${HEX}{6,}\\b`,
  },
  {
    name: "http_status",
    hint: "\\d\\d [A-Z]",
    // an HTTP status code with its standard reason phrase (RFC 9110)
    replacement: "<status>",
    pattern:
      "\\b[0-9]{3} (?:OK|Created|Accepted|No Content|Partial Content|Moved Permanently|Found|See Other|Not Modified|Temporary Redirect|Permanent Redirect|Bad Request|Unauthorized|Payment Required|Forbidden|Not Found|Method Not Allowed|Not Acceptable|Request Timeout|Conflict|Gone|Length Required|Precondition Failed|Content Too Large|Payload Too Large|Unsupported Media Type|Unprocessable Entity|Unprocessable Content|Too Many Requests|Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Timeout)\\b",
  },
  {
    name: "id_value",
    hint: `[iI][dD]s?${WS}?[:=]`,
    // the value of a key that names an id (`user_id=abc`, `requestId: xyz`, `ids=`)
    replacement: "$1<id>",
    pattern: `(\\b(?:[A-Za-z0-9]*[_-])?id(?:s)?${WS}?[:=]${WS}?|\\b[A-Za-z0-9]*(?:Id|ID)s?${WS}?[:=]${WS}?)${RUN}+`,
  },
  {
    name: "id",
    // a run that mixes letters and digits (`blk_-42`, `req7f3`, `v2.1`, `12ms`)
    replacement: "<id>",
    pattern: `${RUN}*[A-Za-z_]${RUN}*[0-9]${RUN}*|${RUN}*[0-9]${RUN}*[A-Za-z_]${RUN}*`,
  },
  {
    name: "num",
    // numbers, and numbers glued by `.`, `,` or `:` (`1,2,3`, `12:30`)
    replacement: "<num>",
    pattern: "-?\\d+(?:[.,:]\\d+)*",
  },
  {
    name: "date",
    hint: "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec",
    // dates written with month (and day) names around numbers already masked
    replacement: "<date>",
    pattern: `\\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?${WS}+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\\.?${WS}+(?:<num>|<time>)(?:,?${WS}+(?:<num>|<time>))*`,
  },
  {
    name: "text",
    // a quoted string of several words (a free-text value); single words stay for the miner to judge
    replacement: '$1"<text>"',
    pattern: `${DELIM_BEFORE}"[^"\\n]*${WS}[^"\\n]*"`,
    needs: '"',
  },
  {
    name: "text_single",
    replacement: "$1'<text>'",
    pattern: `${DELIM_BEFORE}'[^'\\n]*${WS}[^'\\n]*'`,
    needs: "'",
  },
  {
    name: "list",
    // a bracketed list of several items, of any length
    replacement: "[<list>]",
    pattern: "\\[[^\\[\\]\\n]*,[^\\[\\]\\n]*\\]",
    needs: ",",
  },
  {
    name: "run",
    // several numbers in a row, separated by spaces or `,`: one slot of varying length
    replacement: "<num>",
    pattern: "<num>(?:[ ,]+<num>)+",
    hint: ">[ ,]+<",
    rawOnly: true,
  },
];

/** Names of the placeholders the rules write (and `*`, a slot that took values of several kinds). */
export const PLACEHOLDERS: readonly string[] = [
  "*",
  ...new Set(MASK_RULES.map((r) => /<([a-z*]+)>/.exec(r.replacement)?.[1] ?? "*")),
];

export interface CompiledRule {
  rule: MaskRule;
  regex: RegExp;
  replacement: string;
}

export function compileRules(rules: readonly MaskRule[] = MASK_RULES): CompiledRule[] {
  return rules.map((rule) => ({
    rule,
    regex: new RegExp(rule.pattern, rule.ignoreCase ? "gi" : "g"),
    replacement: rule.replacement,
  }));
}

const COMPILED = compileRules();

/**
 * Masks one line by applying every rule in order, with no shortcut: the reference that any faster
 * masker must equal, and what `sqlMaskExpression` computes in SQL.
 */
export function maskWithRules(line: string, template = false, rules = COMPILED): string {
  let s = line;
  for (const { rule, regex, replacement } of rules) {
    if (template && rule.rawOnly) continue;
    s = s.replace(regex, replacement);
  }
  return s;
}

/**
 * The same masking for a log store that speaks RE2 SQL (BigQuery/Log Analytics `REGEXP_REPLACE`): nested
 * calls, innermost first, on the SQL expression `column`. Replacements use `\\1` for `$1`.
 */
export function sqlMaskExpression(column: string, rules: readonly MaskRule[] = MASK_RULES): string {
  let expr = column;
  for (const rule of rules) {
    const pattern = (rule.ignoreCase ? "(?i)" : "") + rule.pattern;
    const replacement = rule.replacement.replace(/\$(\d)/g, "\\$1");
    expr = `REGEXP_REPLACE(${expr}, ${sqlString(pattern)}, ${sqlString(replacement)})`;
  }
  return expr;
}

/** A GoogleSQL string literal: raw strings cannot hold every pattern, so escape instead. */
function sqlString(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
}
