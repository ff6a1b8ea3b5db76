// The two sources side by side: the same fixtures served by the fake Cloud Logging (gRPC, entries.list)
// and by the fake BigQuery (jobs.query on DuckDB), synced into separate repos of one fake GitHub. Both must
// file the same issues with the same markers, count each entry once across overlapping windows, and a repo
// must be able to switch from one source to the other without a duplicate or a lost count.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { ProbotOctokit } from "probot";
import type { GardenerConfig } from "../../src/config/schema.js";
import { decodeState } from "../../src/issue-body/marker.js";
import { render } from "../../src/templates/render.js";
import { cloudLogSource } from "../../src/pass/cloud-source.js";
import { gardenRepo, type SyncOptions } from "../../src/sync/garden-sync.js";
import { fakeBigQueryOptions, startFakeBigQuery, type FakeBigQuery } from "../fake-bigquery/server.js";
import { fastOctokitOptions, startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";
import {
  fakeClientOptions,
  startFakeLogging,
  type FakeLogging,
  type SimpleEntry,
} from "../fake-logging-server.js";
import { testConfig } from "./helpers.js";

process.env.METADATA_SERVER_DETECTION ??= "none";

const PROJECT = "netra-staging";
const VIEW = `${PROJECT}.gardener._AllLogs`;
const SAMPLE: SimpleEntry[] = readFileSync(
  new URL("../../examples/staging-backend.jsonl", import.meta.url),
  "utf8",
)
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as SimpleEntry);

/** More of the sample's own patterns, one a minute from `start`, with fresh ids and values. */
function more(n: number, start: string, tag: string): SimpleEntry[] {
  const t0 = Date.parse(start);
  return Array.from({ length: n }, (_, i) => {
    const base = SAMPLE[i % SAMPLE.length]!;
    return {
      ...base,
      insertId: `${tag}-${i}`,
      timestamp: new Date(t0 + i * 60_000).toISOString(),
      receiveTimestamp: new Date(t0 + i * 60_000 + 500).toISOString(),
      ...(base.textPayload ? { textPayload: base.textPayload.replace(/\d+/g, String(100 + i)) } : {}),
    };
  });
}

let logging: FakeLogging;
let bigquery: FakeBigQuery;
let gh: FakeGitHub;
let octokit: InstanceType<typeof ProbotOctokit>;
beforeAll(async () => {
  logging = await startFakeLogging();
  bigquery = await startFakeBigQuery();
  bigquery.defaultPageSize = 7; // every query takes several getQueryResults pages
});
afterAll(async () => {
  await gh?.close();
  await logging.close();
  await bigquery.close();
});
beforeEach(async () => {
  await gh?.close();
  gh = await startFakeGitHub();
  octokit = new ProbotOctokit({ auth: { token: "t" }, baseUrl: gh.baseUrl, ...fastOctokitOptions() });
});

async function serve(entries: SimpleEntry[]) {
  logging.setEntries(entries);
  await bigquery.setView(VIEW, entries);
}

function config(source: GardenerConfig["source"]): GardenerConfig & { project: string } {
  return testConfig((c) => {
    c.project = PROJECT;
    c.resource.type = "cloud_run_revision";
    c.source = source;
    c.logAnalytics.view = VIEW;
    c.severity = "INFO";
    c.issues.maxNewPerPass = 50;
  }) as GardenerConfig & { project: string };
}

async function pass(
  repo: string,
  source: GardenerConfig["source"],
  now: string,
  patch: (c: GardenerConfig) => void = () => {},
) {
  gh.setTime(now);
  const to = new Date(now);
  const from = new Date(to.getTime() - 6 * 3_600_000);
  const reader = cloudLogSource({
    logging: fakeClientOptions(logging.port),
    bigquery: fakeBigQueryOptions(bigquery),
  });
  const cfg = config(source);
  patch(cfg);
  return gardenRepo({
    gh: octokit,
    owner: "octo",
    repo,
    config: cfg,
    source: (hints) => reader(cfg, { from, to }, hints),
    now: to,
  });
}

/** What a repo's issues say, for comparison: title, labels, state marker and the body around the samples. */
function issuesOf(repo: string) {
  return gh
    .repo("octo", repo)
    .issues.map((i) => {
      const decoded = decodeState(i.body);
      if (!decoded?.ok) throw new Error(`issue #${i.number} of ${repo} has no state`);
      return {
        title: i.title,
        state: i.state,
        labels: i.labels.map((l) => l.name).sort(),
        marker: decoded.state,
        body: i.body,
      };
    })
    .sort((a, b) => a.marker.fp.localeCompare(b.marker.fp));
}

describe("log-analytics and entries sources on the same logs", () => {
  it("file the same issues, with the same markers and bodies, from the same fixtures", async () => {
    await serve(SAMPLE);
    const viaEntries = await pass("a", "entries", "2026-11-23T10:00:00Z");
    const viaSql = await pass("b", "log-analytics", "2026-11-23T10:00:00Z");

    const a = issuesOf("a");
    const b = issuesOf("b");
    expect(a.length).toBeGreaterThan(3);
    expect(b).toEqual(a);
    expect(a.reduce((n, i) => n + i.marker.total, 0)).toBe(SAMPLE.length);
    expect(
      viaSql.worklog.clusters.map((c) => [c.fingerprint, c.count, c.firstSeen, c.lastSeen, c.severities]),
    ).toEqual(
      viaEntries.worklog.clusters.map((c) => [c.fingerprint, c.count, c.firstSeen, c.lastSeen, c.severities]),
    );
    expect(viaSql.worklog.source).toBe(`Log Analytics (${VIEW})`);
    expect(viaSql.worklog.query?.bytesProcessed).toBeGreaterThan(0);

    // The query went through jobs.query and then getQueryResults pages, with the cost guard set.
    const posts = bigquery.calls.filter((c) => c.method === "POST");
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toMatchObject({ maximumBytesBilled: String(10 * 1024 ** 3), useLegacySql: false });
    expect(bigquery.calls.filter((c) => c.method === "GET").length).toBeGreaterThan(1);
  });

  it("count each entry once across overlapping windows, late arrivals included, as the entries source does", async () => {
    const first = more(120, "2026-11-23T05:00:00Z", "w1"); // 05:00–06:59
    await serve(first);
    await pass("a", "entries", "2026-11-23T07:00:00Z");
    await pass("b", "log-analytics", "2026-11-23T07:00:00Z");

    // An hour later: the same window overlaps 5 of its 6 hours, 60 new entries arrived, and 3 entries
    // from just before the last pass's end arrive late.
    const late = more(3, "2026-11-23T06:55:30Z", "late");
    const second = [...first, ...late, ...more(60, "2026-11-23T07:00:00Z", "w2")];
    await serve(second);
    await pass("a", "entries", "2026-11-23T08:00:00Z");
    await pass("b", "log-analytics", "2026-11-23T08:00:00Z");

    const a = issuesOf("a");
    const b = issuesOf("b");
    expect(b).toEqual(a);
    expect(a.reduce((n, i) => n + i.marker.total, 0)).toBe(second.length);
    expect(a.map((i) => i.marker.history.map((r) => r.count))).toEqual(
      b.map((i) => i.marker.history.map((r) => r.count)),
    );

    // A third pass over the same logs counts nothing and writes nothing.
    gh.clearRequests();
    const again = await pass("b", "log-analytics", "2026-11-23T09:00:00Z");
    expect(again.plan.actions).toEqual([]);
    expect(gh.writes()).toBe(0);
  });

  it.each([
    ["entries", "log-analytics"],
    ["log-analytics", "entries"],
  ] as const)(
    "let a repo switch from %s to %s without a duplicate or a lost count",
    async (before, after) => {
      const first = more(120, "2026-11-23T05:00:00Z", "s1");
      const second = [
        ...first,
        ...more(3, "2026-11-23T06:56:00Z", "late"),
        ...more(60, "2026-11-23T07:00:00Z", "s2"),
      ];
      await serve(first);
      await pass("same", after, "2026-11-23T07:00:00Z");
      await pass("switched", before, "2026-11-23T07:00:00Z");
      await serve(second);
      await pass("same", after, "2026-11-23T08:00:00Z");
      await pass("switched", after, "2026-11-23T08:00:00Z");

      const switched = issuesOf("switched");
      expect(switched).toEqual(issuesOf("same"));
      expect(new Set(switched.map((i) => i.marker.fp)).size).toBe(switched.length);
      expect(switched.reduce((n, i) => n + i.marker.total, 0)).toBe(second.length);
    },
  );
});

describe("a backlog kept by the dashboard, counted in the store", () => {
  it("files two patterns a pass and counts every deferred one exactly, as the entries source does", async () => {
    const hours = ["07", "08", "09", "10", "11", "12"];
    const logs = hours.map((h, k) =>
      more(60, `2026-11-23T${String(Number(h) - 1).padStart(2, "0")}:00:00Z`, `d${k}`),
    );
    let memory: SyncOptions["memory"] = {};
    for (const [k, h] of hours.entries()) {
      await serve(logs.slice(0, k + 1).flat());
      await pass("all-at-once", "entries", `2026-11-23T${h}:00:00Z`);
      gh.setTime(`2026-11-23T${h}:00:00Z`);
      const reader = cloudLogSource({
        logging: fakeClientOptions(logging.port),
        bigquery: fakeBigQueryOptions(bigquery),
      });
      const cfg = config("log-analytics");
      cfg.issues.maxNewPerPass = 2;
      const to = new Date(`2026-11-23T${h}:00:00Z`);
      const from = new Date(to.getTime() - 6 * 3_600_000);
      const result = await gardenRepo({
        gh: octokit,
        owner: "octo",
        repo: "one-a-pass",
        config: cfg,
        source: (hints) => reader(cfg, { from, to }, hints),
        now: to,
        memory,
      });
      memory = result.memory;
      expect(result.applied!.created.length).toBeLessThanOrEqual(2);
    }
    const total = (repo: string) => new Map(issuesOf(repo).map((i) => [i.marker.fp, i.marker.total]));
    expect(total("one-a-pass")).toEqual(total("all-at-once"));
    expect(memory.backlog).toEqual([]);
  }, 120_000);
});

describe("the entries fallback at its cap", () => {
  /** One pattern, one entry a minute from `start`. */
  const burst = (n: number, start: string, tag: string): SimpleEntry[] =>
    Array.from({ length: n }, (_, i) => ({
      timestamp: new Date(Date.parse(start) + i * 60_000).toISOString(),
      severity: "ERROR",
      textPayload: `Payment ${1000 + i} declined by the gateway`,
      insertId: `${tag}-${i}`,
      resource: { type: "cloud_run_revision", labels: { service_name: "pay" } },
    }));
  const capped = (c: GardenerConfig) => {
    c.maxEntries = 40;
  };

  it("marks counts it could not finish as lower bounds, and says how much it read", async () => {
    const first = burst(100, "2026-11-23T05:00:00Z", "b1");
    await serve(first);
    const result = await pass("capped", "entries", "2026-11-23T07:00:00Z", capped);
    const worklog = render("worklog", result.worklog);
    expect(worklog).toContain(
      "| Entries analyzed | 40 of at least 100: the cap or the read quota stopped the pass",
    );
    expect(worklog).toContain("which read 40 entries newest first, back to 2026-11-23T06:00:00Z");
    expect(worklog).toMatch(/\| ≥ 40 \|/);
    const [issue] = issuesOf("capped");
    expect(issue!.body).toContain("| Occurrences | ≥ 40 in total, ≥ 40 in the last pass |");
    expect(issue!.marker).toMatchObject({ total: 40, atLeast: true });

    // An hour later the cap reads back past the cursor's lateness band (06:29): this pass's count is exact,
    // the total stays a lower bound. With a cap of 40 it would stop at 06:30, inside the band.
    await serve([...first, ...burst(30, "2026-11-23T07:00:00Z", "b2")]);
    await pass("capped", "entries", "2026-11-23T08:00:00Z", (c) => {
      c.maxEntries = 45;
    });
    const [after] = issuesOf("capped");
    expect(after!.body).toContain("| Occurrences | ≥ 70 in total, 30 in the last pass |");
    expect(after!.marker.history.map((r) => [r.count, r.atLeast ?? false])).toEqual([
      [40, true],
      [30, false],
    ]);

    // The same logs through Log Analytics: exact, no mark.
    await pass("exact", "log-analytics", "2026-11-23T08:00:00Z", capped);
    const [exact] = issuesOf("exact");
    expect(exact!.body).toContain("| Occurrences | 130 in total, 130 in the last pass |");
    expect(exact!.marker.atLeast).toBeUndefined();
  });
});
