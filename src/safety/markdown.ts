// Markdown safety for text that came from logs (attacker-controlled) and ends up in an issue or comment.
//
// Which function where:
// - Multi-line samples (JSON, stack traces): `codeFence(redactor.redactText(text), "json")`, or
//   `safeBlock(text, "json")` with the default redactor. A fence stops the rendering of mentions, references,
//   HTML and links, but not a later regex over the raw body: so codeFence also defuses `<!--`/`-->`.
// - Short values inline in prose (a template, a logger name): `inlineCode(redacted)`; in a table cell
//   `inlineCode(redacted, { inTable: true })`, which also escapes `|`.
// - Log text outside any code (template lines, table cells): `neutralize(redacted)`, or `safeForIssue(text)`
//   which redacts with the default redactor first. The result is one line.
// - `stripMarkers` alone: for text that is neither fenced nor neutralised, e.g. JSON in a worklog.
// All of codeFence, inlineCode, neutralize, safeForIssue, safeTitle and safeBlock apply `stripMarkers`.
// - Issue titles (plain text on GitHub, not rendered as markdown): `safeTitle(text)`; like `safeForIssue` but
//   without the escapes a title would display literally, and cut to 256 characters.
// - Anything with a size limit: `truncate(text, max)`, last, so an escape or surrogate pair is never split.

import { defaultRedactor } from "./redact.js";

const ZWSP = "\u200B";

function longestRun(text: string, ch: string): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ch) {
      run++;
      if (run > longest) longest = run;
    } else {
      run = 0;
    }
  }
  return longest;
}

/**
 * A fenced code block around `text`, with a fence longer than any backtick run in it, so no line of the
 * text can close the block. `info` (a language such as `json`) loses backticks and line breaks. HTML comment
 * delimiters are defused (`stripMarkers`): a fence hides them from the renderer, not from a parser of the raw
 * body. Mentions and references need nothing: GitHub does not render them inside code.
 */
export function codeFence(raw: string, info = ""): string {
  const text = stripMarkers(raw);
  const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
  const lang = info.replace(/[`\r\n]/g, "").trim();
  const body = text.endsWith("\n") ? text : text + "\n";
  return `${fence}${lang}\n${body}${fence}`;
}

/**
 * An inline code span around `text` (line breaks become spaces; a code span cannot hold a blank line).
 * With `inTable`, pipes are escaped, as a pipe splits a table cell even inside a code span.
 */
export function inlineCode(text: string, opts: { inTable?: boolean } = {}): string {
  let content = stripMarkers(text).replace(/\r\n|\r|\n/g, " ");
  if (opts.inTable) content = escapeWithBackslash(content, "|");
  if (content === "") return "` `";
  const ticks = "`".repeat(longestRun(content, "`") + 1);
  const pad = content.startsWith("`") || content.endsWith("`") || /^ .*[^ ].* $/s.test(content) ? " " : "";
  return `${ticks}${pad}${content}${pad}${ticks}`;
}

/**
 * Backslash-escapes every `ch` in `text`, doubling the backslashes already in front of it so that they
 * cannot cancel the escape (`\|` in a log would otherwise become `\\|`: a literal backslash, then a pipe).
 */
function escapeWithBackslash(text: string, chars: string, when = ""): string {
  const set = chars.replace(/[\]\\^-]/g, "\\$&");
  const re = new RegExp(`(\\\\*)([${set}])${when}`, "g");
  return text.replace(re, (_m, slashes: string, ch: string) => `${slashes}${slashes}\\${ch}`);
}

// Bidirectional overrides (hide or reorder text) and C0/C1 control characters other than tab and newline.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Neutralises mentions and references: nobody is pinged, nothing is cross-linked. */
function defuseMentionsAndRefs(text: string): string {
  return (
    text
      // @user, @org/team (also user/repo@sha): a zero-width space after `@` is not a username character.
      .replace(/@(?=[A-Za-z0-9_])/g, `@${ZWSP}`)
      // #123, owner/repo#123, GH-123.
      .replace(/#(?=\d)/g, `#${ZWSP}`)
      .replace(/\b(GH-)(?=\d)/gi, `$1${ZWSP}`)
      // Bare URLs would autolink, and a link to another issue cross-references it: no live links from logs.
      .replace(/\b(https?):\/\//gi, `$1:${ZWSP}//`)
      .replace(/\bwww\./gi, `www${ZWSP}.`)
  );
}

/**
 * Makes log text safe OUTSIDE a code fence, on one line: template lines, table cells, list items.
 * - `@user`, `@org/team`, `#123`, `owner/repo#1`, `GH-12` get a zero-width space and stop pinging/linking;
 * - HTML cannot be injected: `<` before a tag, comment or autolink becomes `&lt;`, an `&` that would start an
 *   entity becomes `&amp;` (other `<`, `>` and `&` are left as they are, so `<*>` stays readable);
 * - links and images (`[x](url)`, `![x](url)`, `[x][ref]`, `[ref]: url`) are defanged by escaping the `]`;
 * - the line cannot change the layout: line breaks become spaces, `|` is escaped, and a leading `>`, `#`,
 *   `-`, `+`, `*` or `=` (quote, heading, list, rule) is escaped.
 * HTML comment delimiters are defused too (`stripMarkers`). Redact first; `safeForIssue` does both.
 */
export function neutralize(text: string): string {
  let out = stripMarkers(text)
    .replace(INVISIBLE, "")
    .replace(/\r\n|\r|\n|\t/g, " ");
  out = defuseMentionsAndRefs(out);
  out = out.replace(/&(?=#?[A-Za-z0-9]{1,32};)/g, "&amp;");
  out = out.replace(/<(?=[A-Za-z/!?])/g, "&lt;");
  out = escapeWithBackslash(out, "|");
  out = escapeWithBackslash(out, "]", "(?=[(\\[:])");
  out = out.replace(
    /^(\s*)(\\*)([>#+*=-])/,
    (_m, space: string, slashes: string, ch: string) => `${space}${slashes}${slashes}\\${ch}`,
  );
  return out;
}

/**
 * Makes HTML comment delimiters in log text harmless, so log text cannot forge or close the bot's hidden
 * markers (`<!-- log-gardener:… -->`), whether it sits in a fence or not: `<!--` becomes `<!‐‐` and `-->`
 * becomes `‐‐>` (U+2010 HYPHEN, which reads the same).
 */
export function stripMarkers(text: string): string {
  return text.replace(/<!--/g, "<!\u2010\u2010").replace(/--(!?)>/g, "\u2010\u2010$1>");
}

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending with `…` when it was cut. Never splits a surrogate
 * pair (an emoji, say).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return "";
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + "…";
}

/** Redacts (default redactor), defuses markers and neutralises: log text for one line of an issue or comment. */
export function safeForIssue(text: string): string {
  return neutralize(stripMarkers(defaultRedactor.redactText(text)));
}

/**
 * An issue title from log text: redacted, markers defused, mentions and references neutralised, on one line
 * and cut to `max` (GitHub's limit is 256). No HTML or markdown escapes: titles are shown as plain text.
 */
export function safeTitle(text: string, max = 256): string {
  const line = stripMarkers(defaultRedactor.redactText(text))
    .replace(INVISIBLE, "")
    .replace(/\s+/g, " ")
    .trim();
  return truncate(defuseMentionsAndRefs(line), max);
}

/** A fenced block of log text: redacted (default redactor), markers defused, fenced. */
export function safeBlock(text: string, info = ""): string {
  return codeFence(stripMarkers(defaultRedactor.redactText(text)), info);
}
