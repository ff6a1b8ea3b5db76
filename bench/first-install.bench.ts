// npm run bench:first-install — a first install on a busy service, replayed hourly against the fake
// GitHub: passes until nothing waits, issues and writes per pass, storms, the dashboard's size.
// Services: the made-up busy service of the tests (80 and 200 patterns), and two loghub sets (Linux and
// OpenSSH, read from LOGHUB_DIR, default /work/shared/loghub; research licence: read, never copied)
// replayed as Cloud Logging entries over 12 hours.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "@jest/globals";
import { decodeDashboardState, renderDashboard } from "../src/app/dashboard.js";
import type { LogEntry } from "../src/entries/log-entry.js";
import { gardenRepo, type DashboardMemory } from "../src/sync/garden-sync.js";
import { busyEntries, busyPatterns } from "../test/fixtures/busy-service.js";
import { REPO, harness, source, testConfig } from "../test/sync/helpers.js";

const START = Date.parse("2026-11-23T00:00:00Z");
const HOUR = 3_600_000;
const rows: string[] = [];
const LOGHUB = process.env.LOGHUB_DIR ?? "/work/shared/loghub";

function loghub(set: string): LogEntry[] {
  const lines = readFileSync(path.join(LOGHUB, set, "content.txt"), "utf8")
    .split("\n")
    .filter(Boolean);
  return lines.map((message, i) => ({
    timestamp: new Date(START + Math.floor((i * 12 * HOUR) / lines.length)),
    severity: /error|fail|denied|invalid|refused|exception|break-in/i.test(message) ? "ERROR" : "WARNING",
    message,
    labels: {},
    resource: { type: "cloud_run_revision", labels: { service_name: set.toLowerCase() } },
    service: set.toLowerCase(),
    insertId: `${set}-${i}`,
  }));
}

async function replay(name: string, entries: LogEntry[], dashboard: boolean, hours = 16) {
  const h = await harness();
  let memory: DashboardMemory | undefined = dashboard ? {} : undefined;
  const perPass: string[] = [];
  let drained: number | undefined;
  let maxWrites = 0;
  let storms = 0;
  let dashboardSize = 0;
  let patterns = 0;
  let kept = "—";
  for (let hour = 1; hour <= hours; hour++) {
    const now = new Date(START + hour * HOUR);
    h.gh.setTime(now.toISOString());
    const from = new Date(now.getTime() - 6 * HOUR);
    const seen = entries.filter((e) => e.timestamp < now);
    const result = await gardenRepo({
      gh: h.octokit,
      ...REPO,
      config: testConfig(),
      source: source(seen, from.toISOString(), now.toISOString()),
      now,
      memory,
    });
    if (dashboard) {
      memory = result.memory;
      const body = renderDashboard({
        result: "ran",
        lastPass: now,
        failures: [],
        configErrors: [],
        memory,
        index: result.index,
        maxNewPerPass: 10,
      });
      dashboardSize = Math.max(dashboardSize, body.length);
      const state = decodeDashboardState(body);
      if (hour === 1) kept = `${state?.backlog?.length ?? 0} / ${state?.overflow ?? 0}`;
    }
    const created = result.applied!.created.length;
    maxWrites = Math.max(maxWrites, result.applied!.writes);
    if (result.plan.intake.stormEvent === "started") storms++;
    patterns = Math.max(
      patterns,
      h.issues().filter((i) => !i.labels.some((l) => l.name.startsWith("log-gardener:"))).length,
    );
    perPass.push(`${created}/${result.applied!.writes}`);
    if (drained === undefined && hour > 1 && result.plan.deferred.length === 0) drained = hour;
  }
  const needed = Math.ceil(patterns / 10) + 3;
  rows.push(
    `| ${name} | ${dashboard ? "app (dashboard)" : "CLI / Action"} | ${patterns} | ${drained ?? `> ${hours}`} (limit ${needed}) | ${perPass.join(" ")} | ${maxWrites} | ${storms} | ${dashboard ? dashboardSize : "—"} | ${kept} |`,
  );
  await h.gh.close();
  return { drained, needed, storms };
}

it("80 patterns", async () => {
  const entries = busyEntries(
    busyPatterns(80),
    new Date(START).toISOString(),
    new Date(START + 17 * HOUR).toISOString(),
  );
  for (const dashboard of [false, true]) {
    const r = await replay("busy service, 80 patterns", entries, dashboard);
    expect(r.storms).toBe(0);
  }
});

it("200 patterns", async () => {
  const entries = busyEntries(
    busyPatterns(200),
    new Date(START).toISOString(),
    new Date(START + 30 * HOUR).toISOString(),
  );
  for (const dashboard of [false, true]) await replay("busy service, 200 patterns", entries, dashboard, 28);
});

it("loghub Linux + OpenSSH", async () => {
  if (!existsSync(path.join(LOGHUB, "Linux"))) return;
  const entries = [...loghub("Linux"), ...loghub("OpenSSH")];
  for (const dashboard of [false, true]) await replay("loghub Linux + OpenSSH", entries, dashboard);
});

afterAll(() => {
  process.stdout.write(
    [
      "",
      "| service | mode | patterns filed | drained at pass | created/writes per pass | max writes | storms | dashboard chars | backlog kept / overflow after pass 1 |",
      "|---|---|---:|---|---|---:|---:|---:|---|",
      ...rows,
      "",
    ].join("\n"),
  );
});
