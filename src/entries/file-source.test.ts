import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { readLogFile, UnreadableFileError } from "./file-source.js";

const dir = mkdtempSync(path.join(tmpdir(), "gardener-files-"));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}
const entry = (msg: string) => ({ timestamp: "2026-11-23T05:00:00Z", severity: "ERROR", textPayload: msg });

const now = new Date("2026-11-23T10:00:00Z");

describe("readLogFile", () => {
  it("reads the JSON array that gcloud logging read --format=json prints", async () => {
    const result = await readLogFile(
      file("a.json", JSON.stringify([entry("one"), entry("two")], null, 2)),
      process.stdin,
      now,
    );
    expect(result.format).toBe("json-array");
    expect(result.entries.map((e) => e.message)).toEqual(["one", "two"]);
    expect(result.malformed).toEqual([]);
  });

  it("counts and skips malformed JSON Lines records, naming the line", async () => {
    const text = [JSON.stringify(entry("one")), "{not json", JSON.stringify({ severity: "ERROR" }), ""].join(
      "\n",
    );
    const result = await readLogFile(file("b.jsonl", text), process.stdin, now);
    expect(result.entries.map((e) => e.message)).toEqual(["one"]);
    expect(result.malformed).toEqual([
      { where: expect.stringMatching(/b\.jsonl:2$/), reason: "not valid JSON" },
      { where: expect.stringMatching(/b\.jsonl:3$/), reason: expect.stringContaining("no textPayload") },
    ]);
  });

  it("counts a bad record inside a JSON array without dropping the rest", async () => {
    const result = await readLogFile(
      file("c.json", JSON.stringify([entry("one"), 42, entry("three")])),
      process.stdin,
      now,
    );
    expect(result.entries).toHaveLength(2);
    expect(result.malformed).toEqual([
      { where: expect.stringMatching(/c\.json\[1\]$/), reason: "not a JSON object" },
    ]);
  });

  it("reads plain text from stdin, one message per line, stamped with the read time", async () => {
    const result = await readLogFile("-", Readable.from(["first line\n\nsecond", " line\n"]), now);
    expect(result.format).toBe("text");
    expect(result.entries.map((e) => [e.message, e.timestamp.toISOString()])).toEqual([
      ["first line", now.toISOString()],
      ["second line", now.toISOString()],
    ]);
  });

  it("fails with a clear error on a broken JSON array", async () => {
    await expect(readLogFile(file("d.json", "[{"), process.stdin, now)).rejects.toThrow(UnreadableFileError);
  });
});
