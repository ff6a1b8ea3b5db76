// `run --dry-run` (and `npm run demo`) write the issues a first pass would file, exactly as posted.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { parse } from "yaml";
import { runPassCommand } from "../../src/cli/run-command.js";
import { readLogFile } from "../../src/entries/file-source.js";
import { gardenRepo } from "../../src/sync/garden-sync.js";
import { busyEntries, busyPatterns } from "../fixtures/busy-service.js";
import { REPO, harness, source, testConfig } from "./helpers.js";

const NOW = "2026-11-23T03:00:00Z";
let h: Awaited<ReturnType<typeof harness>>;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.gh.close());

function preview(file: string) {
  const text = readFileSync(file, "utf8");
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`no front matter in ${file}`);
  return { ...(parse(m[1]) as { title: string; labels: string[] }), body: m[2] };
}

describe("issues as they would be posted", () => {
  it("writes one file per issue in filing order, identical to what a first pass posts, and the backlog", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gardener-preview-"));
    const logs = path.join(dir, "logs.jsonl");
    const entries = busyEntries(busyPatterns(24), "2026-11-23T00:00:00Z", NOW);
    const exported = entries.map((e) => ({
      insertId: e.insertId,
      timestamp: e.timestamp.toISOString(),
      severity: e.severity,
      resource: e.resource,
      sourceLocation: e.sourceLocation,
      jsonPayload: { message: e.message, logger: e.logger },
    }));
    writeFileSync(logs, exported.map((e) => JSON.stringify(e)).join("\n"));
    const config = path.join(dir, "config.yml");
    writeFileSync(config, "project: acme-prod\n");
    const out = path.join(dir, "out");
    mkdirSync(path.join(out, "issues"), { recursive: true });
    writeFileSync(path.join(out, "issues", "099-P5-aaaaaaaaaaaa.md"), "from an older run");
    writeFileSync(path.join(out, "issues", "notes.txt"), "not ours");
    const io = { stdin: Readable.from([]), stdout: new PassThrough(), stderr: new PassThrough() };
    const run = () => runPassCommand({ config, logs, out, dryRun: true }, io, new Date(NOW));
    expect(await run()).toBe(0);
    expect(await run()).toBe(0); // a second run replaces the files, it does not add to them

    const all = readdirSync(path.join(out, "issues")).sort();
    expect(all).toContain("notes.txt"); // only the previews are replaced
    const files = all.filter((f) => f.endsWith(".md"));
    expect(files).toHaveLength(11);
    expect(files.at(-1)).toBe("backlog.md");
    expect(files[0]).toMatch(/^001-P0-[0-9a-f]{12}\.md$/);
    const backlog = readFileSync(path.join(out, "issues", "backlog.md"), "utf8");
    expect(backlog.match(/^1\. \*\*P\d\*\*/gm)).toHaveLength(14);
    expect(backlog).toContain("over the limit of 10 new issues per pass");
    const worklog = JSON.parse(readFileSync(path.join(out, "worklog.json"), "utf8"));
    expect(worklog.intake.deferred).toHaveLength(14);

    // the same logs, filed for real: the same titles, labels and bodies, in the same order
    const read = await readLogFile(logs, Readable.from([]), new Date(NOW));
    h.gh.setTime(NOW);
    await gardenRepo({
      gh: h.octokit,
      ...REPO,
      config: testConfig(),
      source: { ...source(read.entries), source: `file ${logs}` },
      now: new Date(NOW),
    });
    const posted = h.issues();
    expect(posted).toHaveLength(10);
    files.slice(0, 10).forEach((file, i) => {
      const p = preview(path.join(out, "issues", file));
      expect(p.title).toBe(posted[i].title);
      expect(p.labels).toEqual(posted[i].labels.map((l) => l.name));
      expect(p.body).toBe(posted[i].body);
    });
  }, 60_000);
});
