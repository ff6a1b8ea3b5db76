import { describe, it, expect } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { runClusterCommand } from "../cli/cluster-command.js";
import { TemplateMiner } from "./miner.js";

async function run(
  opts: { file?: string; ids: boolean; state?: string },
  input = "",
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await runClusterCommand(opts, { stdin: Readable.from([input]), stdout, stderr });
  return { code, out, err };
}

const INPUT = ["job 1 done", "disk full on sda", "job 22 done", "job 3 done", "disk full on sdb", ""].join(
  "\n",
);

describe("runClusterCommand", () => {
  it("prints one id per input line, in order, with --ids", async () => {
    const { code, out } = await run({ ids: true }, INPUT);
    expect(code).toBe(0);
    const ids = out.trimEnd().split("\n");
    expect(ids).toHaveLength(5);
    expect(ids[0]).toBe(ids[2]);
    expect(ids[0]).toBe(ids[3]);
    expect(ids[1]).toBe(ids[4]);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("prints the final ids, after templates are split on a recurring event word", async () => {
    const lines = ["bytes", "values", "bytes", "values", "bytes"].map((k, i) => `block ${i} stored as ${k}`);
    const { out } = await run({ ids: true }, lines.join("\n") + "\n");
    const ids = out.trimEnd().split("\n");
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(2);
    expect(ids[2]).toBe(ids[0]);
    expect(ids[3]).toBe(ids[1]);
    const table = await run({ ids: false }, lines.join("\n") + "\n");
    const rows = table.out.trimEnd().split("\n");
    expect(rows[1]).toMatch(/^\s*3\s+[0-9a-f]{12}\s+block <num> stored as bytes$/);
    expect(rows[2]).toMatch(/^\s*2\s+[0-9a-f]{12}\s+block <num> stored as values$/);
  });

  it("keeps empty lines and a last line without newline", async () => {
    const { out } = await run({ ids: true }, "a 1\n\r\nb\r\na 2");
    expect(out.trimEnd().split("\n")).toHaveLength(4);
  });

  it("prints a table sorted by count without --ids", async () => {
    const { code, out } = await run({ ids: false }, INPUT);
    expect(code).toBe(0);
    const rows = out.trimEnd().split("\n");
    expect(rows[0]).toMatch(/COUNT\s+ID\s+TEMPLATE/);
    expect(rows[1]).toMatch(/^\s*3\s+[0-9a-f]{12}\s+job <num> done$/);
    expect(rows[2]).toMatch(/^\s*2\s+[0-9a-f]{12}\s+disk full on <\*>$/);
  });

  it("reads a file argument", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-cluster-"));
    const file = join(dir, "in.txt");
    writeFileSync(file, INPUT);
    const { code, out } = await run({ file, ids: true });
    expect(code).toBe(0);
    expect(out.trimEnd().split("\n")).toHaveLength(5);
    const missing = await run({ file: join(dir, "nope.txt"), ids: true });
    expect(missing.code).toBe(2);
    expect(missing.err.trim().split("\n")).toHaveLength(1);
  });

  it("keeps ids stable across runs with a state file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-cluster-"));
    const state = join(dir, "state.json");
    const first = await run({ ids: true, state }, "user alice logged in\njob 1 done\n");
    expect(existsSync(state)).toBe(true);
    const second = await run({ ids: true, state }, "user bob logged in\njob 7 done\n");
    expect(second.out).toBe(first.out);
    const saved = JSON.parse(readFileSync(state, "utf8")) as { version: number; templates: unknown[] };
    expect(saved.version).toBe(1);
    expect(saved.templates).toHaveLength(2);
  });

  it("rejects a bad state file with one error line and exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-cluster-"));
    const state = join(dir, "state.json");
    writeFileSync(state, "{not json");
    const bad = await run({ ids: true, state }, "x\n");
    expect(bad.code).toBe(2);
    expect(bad.out).toBe("");
    expect(bad.err.trim().split("\n")).toHaveLength(1);
    expect(bad.err).toMatch(/state file/);
    writeFileSync(state, JSON.stringify({ version: 1, templates: [{ id: 3 }] }));
    expect((await run({ ids: true, state }, "x\n")).code).toBe(2);
  });
});

describe("runClusterCommand on Cloud Logging entries", () => {
  const entry = (i: number, service: string, payload: Record<string, unknown>) => ({
    insertId: `id${i}`,
    timestamp: `2026-11-23T04:00:${String(i).padStart(2, "0")}Z`,
    severity: "ERROR",
    resource: { type: "cloud_run_revision", labels: { service_name: service } },
    ...payload,
  });
  const trace = (line: number, frame: string) =>
    `Unhandled error\njava.lang.IllegalStateException: locked ${line}\n\tat com.shop.Order.${frame}(Order.java:${line})`;
  const entries = [
    entry(0, "api", { jsonPayload: { message: "order 12 failed" } }),
    entry(1, "worker", { jsonPayload: { message: "order 13 failed" } }),
    entry(2, "api", { textPayload: "order 99 failed" }),
    entry(3, "api", { textPayload: trace(10, "lock") }),
    entry(4, "api", { textPayload: trace(77, "lock") }),
    entry(5, "api", { textPayload: trace(10, "unlock") }),
  ];

  it("groups JSON Lines entries as a pass does: per service, payload message, traces by shape", async () => {
    const { code, out } = await run({ ids: true }, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
    expect(code).toBe(0);
    const ids = out.trimEnd().split("\n");
    expect(ids).toHaveLength(6);
    expect(ids[2]).toBe(ids[0]);
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[4]).toBe(ids[3]);
    expect(ids[5]).not.toBe(ids[3]);
    expect(new Set(ids).size).toBe(4);
  });

  it("reads a gcloud JSON array the same way, and keeps a malformed record's place", async () => {
    const lines = await run({ ids: true }, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const withBad = [...entries.slice(0, 2), { insertId: "x" }, ...entries.slice(2)];
    const { code, out, err } = await run({ ids: true }, JSON.stringify(withBad, null, 2));
    expect(code).toBe(0);
    const ids = out.trimEnd().split("\n");
    expect(ids).toHaveLength(7);
    expect(ids[2]).toBe("malformed");
    expect([...ids.slice(0, 2), ...ids.slice(3)]).toEqual(lines.out.trimEnd().split("\n"));
    expect(err).toMatch(/1 malformed record/);
  });

  it("reads plain text that starts with a bracket as one message a line", async () => {
    const { out } = await run({ ids: true }, "[worker 1] started\n[worker 2] started\nnot json {\n");
    const ids = out.trimEnd().split("\n");
    expect(ids).toHaveLength(3);
    expect(ids[1]).toBe(ids[0]);
  });
});

describe("runClusterCommand's line cache", () => {
  it("gives every line the id the miner alone gives it", async () => {
    const shapes = [
      (i: number) => `job ${i} done in ${i * 3}ms`,
      (i: number) => `user u${i % 7} logged in from 10.0.${i % 3}.${i}`,
      (i: number) => `disk ${["sda", "sdb", "sdc"][i % 3]} full at ${i % 100}%`,
      (i: number) => `GET /api/items/${i} ${i % 2 ? "200 OK" : "404 Not Found"}`,
    ];
    const lines = Array.from({ length: 4000 }, (_, i) => shapes[i % 4](i % 50));
    const miner = new TemplateMiner();
    const handles = lines.map((l) => miner.observe(l));
    miner.finish();
    const expected = handles.map((h) => miner.resolve(h).id);
    const { out } = await run({ ids: true }, lines.join("\n") + "\n");
    expect(out.trimEnd().split("\n")).toEqual(expected);
  });
});
