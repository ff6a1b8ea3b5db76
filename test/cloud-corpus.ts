// The seeded Cloud-Logging-style corpus (scripts/gen-cloud-corpus.mjs) as message lines, for tests.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Each line of each message of a corpus of `entries` entries made with `seed`. */
export function cloudCorpusLines(entries: number, seed: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), "lg-corpus-"));
  execFileSync(process.execPath, [
    "scripts/gen-cloud-corpus.mjs",
    dir,
    "--entries",
    String(entries),
    "--seed",
    String(seed),
  ]);
  return readFileSync(join(dir, "entries.jsonl"), "utf8")
    .trim()
    .split("\n")
    .flatMap((line) => {
      const e = JSON.parse(line) as { textPayload?: string; jsonPayload?: { message?: string } };
      return (e.textPayload ?? e.jsonPayload?.message ?? JSON.stringify(e.jsonPayload)).split("\n");
    });
}
