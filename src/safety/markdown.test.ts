import { describe, it, expect } from "@jest/globals";
import {
  codeFence,
  inlineCode,
  neutralize,
  safeBlock,
  safeForIssue,
  safeTitle,
  stripMarkers,
  truncate,
} from "./markdown.js";

const ZW = "\u200B";

/** The content of a fenced block, as a CommonMark parser sees it: up to the first line that closes it. */
function fencedContent(block: string): string {
  const lines = block.split("\n");
  const open = /^(`{3,})/.exec(lines[0]);
  if (!open) throw new Error("not a fence");
  const fence = open[1];
  const body: string[] = [];
  for (const line of lines.slice(1)) {
    if (new RegExp(`^\`{${fence.length},}\\s*$`).test(line)) return body.join("\n");
    body.push(line);
  }
  throw new Error("fence never closed");
}

describe("codeFence", () => {
  it("uses a plain ``` fence for text without backticks", () => {
    expect(codeFence('{"a":1}', "json")).toBe('```json\n{"a":1}\n```');
    expect(codeFence("line\n")).toBe("```\nline\n```");
  });
  it("cannot be closed by ``` inside the text", () => {
    const text = "before\n```\n@everyone injected\n```";
    const block = codeFence(text);
    expect(block.startsWith("````\n")).toBe(true);
    expect(fencedContent(block)).toBe(text);
  });
  it("cannot be closed by ```` inside the text either", () => {
    const text = "x\n````\ny ``````` z";
    const block = codeFence(text, "txt");
    expect(block.startsWith("````````txt\n")).toBe(true);
    expect(fencedContent(block)).toBe(text);
  });
  it("defuses HTML comment delimiters inside the fence", () => {
    expect(codeFence("<!-- log-gardener:x -->")).toBe(
      "```\n<!\u2010\u2010 log-gardener:x \u2010\u2010>\n```",
    );
    expect(inlineCode("a <!-- b")).toBe("`a <!\u2010\u2010 b`");
  });
  it("strips backticks and line breaks from the info string", () => {
    expect(codeFence("a", "js`on\n")).toBe("```json\na\n```");
  });
});

describe("inlineCode", () => {
  it("wraps with more backticks than the text holds, padding when it starts or ends with one", () => {
    expect(inlineCode("a.b")).toBe("`a.b`");
    expect(inlineCode("a`b")).toBe("``a`b``");
    expect(inlineCode("`x``")).toBe("``` `x`` ```");
  });
  it("flattens line breaks and escapes pipes in tables", () => {
    expect(inlineCode("a\n\nb")).toBe("`a  b`");
    expect(inlineCode("a|b", { inTable: true })).toBe("`a\\|b`");
    expect(inlineCode("")).toBe("` `");
  });
});

describe("neutralize", () => {
  it("stops mentions from pinging", () => {
    expect(neutralize("ping @octocat and @my-org/core-team")).toBe(
      `ping @${ZW}octocat and @${ZW}my-org/core-team`,
    );
  });
  it("stops references from cross-linking", () => {
    expect(neutralize("see #123, owner/repo#45 and GH-12")).toBe(
      `see #${ZW}123, owner/repo#${ZW}45 and GH-${ZW}12`,
    );
  });
  it("escapes HTML where it would be HTML, and leaves other angle brackets readable", () => {
    expect(neutralize('<img src=x onerror="alert(1)"> </b> <!-- x')).toBe(
      '&lt;img src=x onerror="alert(1)"> &lt;/b> &lt;!\u2010\u2010 x',
    );
    expect(neutralize("user <*> a < b > c && d")).toBe("user <*> a < b > c && d");
    expect(neutralize("&amp; &#x27; &copy;")).toBe("&amp;amp; &amp;#x27; &amp;copy;");
    expect(neutralize("<https://evil.example>")).toBe("&lt;https:\u200B//evil.example>");
  });
  it("keeps a table cell one cell on one line", () => {
    expect(neutralize("a | b\nc\r\nd\te")).toBe("a \\| b c d e");
    // A backslash in the log must not cancel the escape of the pipe.
    expect(neutralize("a\\|b")).toBe("a\\\\\\|b");
  });
  it("defangs links and images", () => {
    expect(
      neutralize("![x](https://evil.example/t.png) [y](https://evil.example) [r][1] [1]: https://e"),
    ).toBe(
      "![x\\](https:\u200B//evil.example/t.png) [y\\](https:\u200B//evil.example) [r\\][1] [1\\]: https:\u200B//e",
    );
    expect(neutralize("[INFO] ok")).toBe("[INFO] ok");
    expect(neutralize("\\[x](u)")).toBe("\\[x\\](u)");
  });
  it("escapes a leading block marker and drops invisible controls", () => {
    expect(neutralize("> quoted")).toBe("\\> quoted");
    expect(neutralize("# heading")).toBe("\\# heading");
    expect(neutralize("- item")).toBe("\\- item");
    expect(neutralize("a\u202Eb\u0000c")).toBe("abc");
  });
});

describe("stripMarkers", () => {
  it("defuses HTML comment delimiters so log text cannot forge or close a bot marker", () => {
    const forged = '<!-- log-gardener:state {"fingerprint":"x"} -->';
    const out = stripMarkers(forged);
    expect(out).not.toContain("<!--");
    expect(out).not.toContain("-->");
    expect(out).toBe('<!\u2010\u2010 log-gardener:state {"fingerprint":"x"} \u2010\u2010>');
    expect(stripMarkers("a --!> b")).toBe("a \u2010\u2010!> b");
    expect(stripMarkers("a -> b")).toBe("a -> b");
  });
  it("also protects text that goes into a fence", () => {
    expect(safeBlock("x <!-- log-gardener:v1 --> y")).toBe(
      "```\nx <!\u2010\u2010 log-gardener:v1 \u2010\u2010> y\n```",
    );
  });
});

describe("truncate", () => {
  it("keeps short text and cuts long text with an ellipsis within the limit", () => {
    expect(truncate("hello", 5)).toBe("hello");
    expect(truncate("hello world", 6)).toBe("hello…");
    expect(truncate("hello", 1)).toBe("…");
    expect(truncate("hello", 0)).toBe("");
  });
  it("never cuts a surrogate pair", () => {
    const text = "ab😀cd";
    expect(truncate(text, 4)).toBe("ab…");
    expect(truncate(text, 5)).toBe("ab😀…");
    for (let max = 1; max < text.length; max++) {
      const out = truncate(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
  });
});

describe("safeForIssue and safeTitle", () => {
  it("redacts, defuses markers and neutralises", () => {
    const text = "login for bob@example.com by @admin <!-- x --> fixes #1 | token=" + "ghp_" + "A".repeat(36);
    expect(safeForIssue(text)).toBe(
      `login for [REDACTED:email] by @${ZW}admin &lt;!\u2010\u2010 x \u2010\u2010> fixes #${ZW}1 \\| token=[REDACTED:github-token]`,
    );
  });
  it("makes a plain-text title: no escapes shown literally, one line, at most 256 characters", () => {
    const title = safeTitle("[P3] svc: user <*> a|b @team #7\nnext " + "x".repeat(300));
    expect(title.startsWith(`[P3] svc: user <*> a|b @${ZW}team #${ZW}7 next x`)).toBe(true);
    expect(title.length).toBe(256);
    expect(title.endsWith("…")).toBe(true);
  });

  it("keeps URLs in log text from autolinking or cross-referencing other issues", () => {
    const out = neutralize("see https://github.com/acme/api/issues/7 and www.example.com");
    expect(out).not.toContain("https://github.com");
    expect(out).not.toContain("www.example");
    expect(out.replace(/\u200B/g, "")).toBe("see https://github.com/acme/api/issues/7 and www.example.com");
  });
});
