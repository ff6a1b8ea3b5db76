import { describe, it, expect } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { runRedactCommand } from "./redact-command.js";

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

async function run(
  opts: Parameters<typeof runRedactCommand>[0],
  input = "",
): Promise<{ code: number; out: string; err: string }> {
  const stdout = collect();
  const stderr = collect();
  const code = await runRedactCommand(opts, {
    stdin: Readable.from([Buffer.from(input)]),
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, out: stdout.text(), err: stderr.text() };
}

const token = "ghp_" + "A".repeat(36);

describe("log-gardener redact", () => {
  it("redacts stdin line by line", async () => {
    const input = `ok line\ntoken=${token}\r\nmail bob@example.com\nlast without newline`;
    const { code, out, err } = await run({}, input);
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toBe("ok line\ntoken=[REDACTED:github-token]\nmail [REDACTED:email]\nlast without newline\n");
  });
  it("reads `-` as stdin", async () => {
    const { code, out } = await run({ file: "-" }, "ip 10.0.0.1\n");
    expect(code).toBe(0);
    expect(out).toBe("ip [REDACTED:ipv4]\n");
  });
  it("reads a file, with extra patterns, and redacts a PEM key spanning lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-redact-"));
    const file = join(dir, "logs.txt");
    const key = ["-----BEGIN " + "PRIVATE KEY-----", "MIIEvQIBADAN", "-----END " + "PRIVATE KEY-----"];
    writeFileSync(file, ["acme_abcd1234 here", ...key, "after"].join("\n") + "\n");
    const { code, out } = await run({ file, extra: [{ name: "acme", pattern: "acme_[a-z0-9]{8}" }] });
    expect(code).toBe(0);
    expect(out).toBe(
      "[REDACTED:acme] here\n[REDACTED:private-key]\n[REDACTED:private-key]\n[REDACTED:private-key]\nafter\n",
    );
  });
  it("streams many lines", async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `req ${i} from 192.168.0.${i % 250}`);
    const { code, out } = await run({}, lines.join("\n"));
    expect(code).toBe(0);
    const outLines = out.trimEnd().split("\n");
    expect(outLines).toHaveLength(20_000);
    expect(outLines[19_999]).toBe("req 19999 from [REDACTED:ipv4]");
  });
  it("a missing file: one clear line on stderr, exit 2", async () => {
    const { code, out, err } = await run({ file: "/nonexistent/logs.txt" });
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toBe("log-gardener redact: no such file: /nonexistent/logs.txt\n");
  });
  it("a directory: exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-redact-"));
    const { code, err } = await run({ file: dir });
    expect(code).toBe(2);
    expect(err).toMatch(/is a directory/);
  });
  it("an invalid extra pattern: exit 2 naming it", async () => {
    const { code, err } = await run({ extra: [{ name: "bad-one", pattern: "(" }] }, "x\n");
    expect(code).toBe(2);
    expect(err).toMatch(/^log-gardener redact: invalid redaction pattern "bad-one"/);
  });
});
