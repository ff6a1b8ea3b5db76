import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { main } from "./main.js";

async function cli(args: string[], stdin = "") {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await main(args, { stdin: Readable.from([stdin]), stdout, stderr });
  return { code, out, err };
}
const tmp = () => mkdtempSync(path.join(tmpdir(), "gardener-cli-"));

describe("log-gardener CLI", () => {
  it("demo finds the five staging-backend patterns with their counts and writes both worklogs", async () => {
    const out = tmp();
    const { code, out: stdout } = await cli(["demo", "--out", out]);
    expect(code).toBe(0);
    const worklog = JSON.parse(readFileSync(path.join(out, "worklog.json"), "utf8"));
    const counts = worklog.clusters.map((c: { template: string; count: number }) => [
      c.template.slice(0, 24),
      c.count,
    ]);
    expect(counts.sort()).toEqual(
      [
        ["GOLDEN PATH AUTH: Using ", 1],
        ["HIGH BUFFER UTILIZATION:", 1],
        ["SSOT validation issues d", 8],
        ["Session access failed (m", 19],
        ["USER AUTO-CREATED: Creat", 8],
      ].sort(),
    );
    for (const c of worklog.clusters) {
      expect(c).toEqual(
        expect.objectContaining({
          fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/),
          priority: expect.stringMatching(/^P[0-5]$/),
          severity: expect.any(String),
          firstSeen: expect.any(String),
          lastSeen: expect.any(String),
        }),
      );
    }
    const golden = worklog.clusters.find((c: { template: string }) => c.template.startsWith("GOLDEN"));
    expect(golden.priority).toBe("P0");
    expect(worklog.entries.belowFloor).toBe(63);
    const markdown = readFileSync(path.join(out, "worklog.md"), "utf8");
    expect(markdown).toContain("## Executive summary");
    expect(markdown).toContain("**Immediate (P0–P1)**");
    expect(markdown).not.toMatch(/eyJ[\w-]+\.eyJ/); // the JWTs in the sample logs are redacted
    expect(markdown).not.toMatch(/@staging\.netrasystems\.ai/);
    expect(stdout).toContain("5 pattern(s)");
  });

  it("reads JSON Lines from stdin and reports malformed records instead of failing", async () => {
    const out = tmp();
    const good = JSON.stringify({
      timestamp: "2026-11-23T05:00:00Z",
      severity: "ERROR",
      textPayload: "boom 1",
    });
    const { code } = await cli(["run", "--logs", "-", "--out", out, "--json"], `${good}\n{oops\n${good}\n`);
    expect(code).toBe(0);
    const worklog = JSON.parse(readFileSync(path.join(out, "worklog.json"), "utf8"));
    expect(worklog.malformed.count).toBe(1);
    expect(worklog.entries.analyzed).toBe(2);
    expect(readFileSync(path.join(out, "worklog.md"), "utf8")).toContain("1 record(s) could not be read");
  });

  it("exits 2 with every config error on one screen", async () => {
    const dir = tmp();
    const config = path.join(dir, "bad.yml");
    writeFileSync(config, "severity: LOUD\nwindow: forever\n");
    const { code, err } = await cli(["run", "--config", config, "--logs", "-", "--out", dir]);
    expect(code).toBe(2);
    expect(err).toContain("severity: ");
    expect(err).toContain("window: expected a duration");
    expect(err).not.toContain("    at ");
  });

  it("exits 2 on an unknown command or option, and on a missing log file", async () => {
    expect((await cli(["prune"])).code).toBe(2);
    expect((await cli(["run", "--bogus"])).code).toBe(2);
    const missing = await cli(["run", "--logs", "/nonexistent/x.json", "--out", tmp()]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe("log-gardener: cannot read logs /nonexistent/x.json: ENOENT\n");
  });

  it("fails fast with a clear message when Cloud Logging has no credentials", async () => {
    const saved = { ...process.env };
    process.env.GOOGLE_APPLICATION_CREDENTIALS = "";
    process.env.CLOUDSDK_CONFIG = tmp();
    process.env.METADATA_SERVER_DETECTION = "none";
    try {
      const { code, err } = await cli(["run", "--project", "acme-prod", "--out", tmp()]);
      expect(code).toBe(1);
      expect(err).toMatch(/No Google credentials found/);
    } finally {
      process.env = saved;
    }
  });
});
