import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import {
  fakeBigQueryOptions,
  startFakeBigQuery,
  type FakeBigQuery,
} from "../../test/fake-bigquery/server.js";
import type { SimpleEntry } from "../../test/fake-logging-server.js";
import { CloudLoggingError } from "./errors.js";
import type { AggregateQuery } from "./log-analytics-sql.js";
import { queryLogAnalytics, type LogAnalyticsOptions } from "./log-analytics.js";

const T0 = Date.parse("2026-11-22T04:00:00Z");
const VIEW = "garden-p1.gardener._AllLogs";

function entry(i: number, extra: Partial<SimpleEntry> = {}): SimpleEntry {
  return {
    timestamp: new Date(T0 + i * 1000).toISOString(),
    severity: "WARNING",
    textPayload: `Session ${i} access failed`,
    insertId: `id-${i}`,
    logName: "projects/garden-p1/logs/run.googleapis.com%2Fstdout",
    resource: { type: "cloud_run_revision", labels: { service_name: "api" } },
    ...extra,
  };
}

const query = (extra: Partial<AggregateQuery> = {}): AggregateQuery & { projectId: string } => ({
  projectId: "garden-p1",
  view: VIEW,
  services: ["api"],
  resourceType: "cloud_run_revision",
  severityFloor: "WARNING",
  from: new Date(T0),
  to: new Date(T0 + 3600_000),
  cuts: [],
  seen: [],
  samples: 2,
  tail: 300,
  tailMs: 600_000,
  ...extra,
});

let fake: FakeBigQuery;
const options = (extra: Partial<LogAnalyticsOptions> = {}): LogAnalyticsOptions => ({
  client: fakeBigQueryOptions(fake),
  maximumBytesBilled: 1e9,
  ...extra,
});
beforeAll(async () => {
  fake = await startFakeBigQuery();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.calls.length = 0;
});

async function rejection(promise: Promise<unknown>): Promise<CloudLoggingError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudLoggingError);
  return error as CloudLoggingError;
}

describe("queryLogAnalytics against a fake BigQuery on DuckDB", () => {
  it("counts the window exactly per group, over every result page, with the cost guard on the query", async () => {
    await fake.setView(VIEW, [
      ...Array.from({ length: 25 }, (_, i) => entry(i)),
      entry(25, { severity: "ERROR", textPayload: "Session 77 access failed" }),
      entry(26, { textPayload: "Cache miss for key k42" }),
      entry(27, { severity: "INFO" }), // below the floor
      entry(28, { resource: { type: "cloud_run_revision", labels: { service_name: "web" } } }), // other service
      entry(-1), // before the window
      entry(3600), // at its end: excluded
      entry(4), // a duplicate write of id-4: Log Analytics keeps both, Cloud Logging shows one
    ]);
    const result = await queryLogAnalytics(query(), options({ pageSize: 2 }));

    const groups = result.groups.sort((a, b) => b.count - a.count);
    expect(groups.map((g) => [g.service, g.count, g.severities])).toEqual([
      ["api", 26, { ERROR: 1, WARNING: 25 }],
      ["api", 1, { WARNING: 1 }],
    ]);
    expect(groups[0]!.firstSeen).toEqual(new Date(T0));
    expect(groups[0]!.lastSeen).toEqual(new Date(T0 + 25_000));
    // Candidates: the 2 oldest, the 2 newest (id-25 is also the newest ERROR), as full entries.
    expect(groups[0]!.samples.map((e) => e.insertId)).toEqual(["id-0", "id-1", "id-24", "id-25"]);
    expect(groups[0]!.samples[3]).toMatchObject({
      severity: "ERROR",
      message: "Session 77 access failed",
      service: "api",
      resource: { type: "cloud_run_revision", labels: { service_name: "api" } },
    });
    expect(result.bytesProcessed).toBeGreaterThan(0);

    const [post, ...gets] = fake.calls;
    expect(post).toMatchObject({ method: "POST", path: "/bigquery/v2/projects/garden-p1/queries" });
    expect(post!.body).toMatchObject({
      maximumBytesBilled: "1000000000",
      useLegacySql: false,
      maxResults: 2,
    });
    expect(gets.length).toBeGreaterThan(2);
    for (const get of gets) {
      expect(get.method).toBe("GET");
      expect(get.search.pageToken).toBeTruthy();
    }
    expect(new Set(gets.map((g) => g.search.pageToken)).size).toBe(gets.length);
  });

  it("sends everything the user controls as query parameters, never in the SQL text", async () => {
    await fake.setView(VIEW, [entry(0)]);
    await queryLogAnalytics(query({ services: ["a' OR 1=1 --"], cuts: [T0 + 5], seen: ["x'"] }), options());
    const body = fake.calls[0]!.body as { query: string; queryParameters: Array<{ name: string }> };
    expect(body.query).not.toContain("OR 1=1");
    expect(body.queryParameters.map((p) => p.name).sort()).toEqual(
      [
        "cuts",
        "from",
        "resource_type",
        "samples",
        "seen",
        "services",
        "severities",
        "tail",
        "tail_ms",
        "to",
      ].sort(),
    );
  });

  it("splits counts at the cuts and tells fresh entries from remembered ones", async () => {
    await fake.setView(
      VIEW,
      Array.from({ length: 10 }, (_, i) => entry(i)),
    );
    const result = await queryLogAnalytics(
      query({ cuts: [T0 + 3000, T0 + 7000], seen: ["id-3", "id-4"] }),
      options(),
    );
    expect(result.groups[0]!.tally.buckets).toEqual([
      { bucket: 0, all: 3, fresh: 3 },
      { bucket: 1, all: 4, fresh: 2 },
      { bucket: 2, all: 3, fresh: 3 },
    ]);
    expect(result.groups[0]!.tally.tail.slice(0, 2)).toEqual([
      ["id-9", T0 + 9000],
      ["id-8", T0 + 8000],
    ]);
  });

  it("fails with one line naming maximumBytesBilled when BigQuery refuses the cost", async () => {
    await fake.setView(VIEW, [entry(0)]);
    fake.setViewBytes(VIEW, 5_000_000);
    const error = await rejection(queryLogAnalytics(query(), options({ maximumBytesBilled: 1000 })));
    expect(error.code).toBe("COST_LIMIT");
    expect(error.message).toMatch(/maximumBytesBilled \(1000 bytes\)/);
    expect(error.message).toContain("5000000 or higher required");
    expect(error.message).not.toContain("\n");
  });

  it("names the link and the bucket upgrade when the linked dataset does not exist", async () => {
    const error = await rejection(queryLogAnalytics(query({ view: "garden-p1.nolink._AllLogs" }), options()));
    expect(error.code).toBe("NO_LINK");
    expect(error.message).toContain("--enable-analytics");
    expect(error.message).toContain("gcloud logging links create nolink");
    expect(error.message).not.toContain("\n");
  });

  it("names roles/bigquery.jobUser when the caller may not run jobs", async () => {
    fake.failNext(
      403,
      "accessDenied",
      "Access Denied: Project garden-p1: User does not have bigquery.jobs.create permission in project garden-p1.",
    );
    const error = await rejection(queryLogAnalytics(query(), options()));
    expect(error.code).toBe("PERMISSION_DENIED");
    expect(error.message).toContain("grant roles/bigquery.jobUser on project garden-p1");
    expect(error.message).not.toContain("dataViewer");
  });

  it("names the dataset role when the caller may not read the view", async () => {
    fake.failNext(
      403,
      "accessDenied",
      "Access Denied: Table garden-p1:gardener._AllLogs: User does not have permission",
    );
    const error = await rejection(queryLogAnalytics(query(), options()));
    expect(error.message).toContain("roles/bigquery.dataViewer on dataset garden-p1.gardener");
  });

  it("fails fast without Google credentials when no client is given", async () => {
    const error = await rejection(
      queryLogAnalytics(query(), {
        maximumBytesBilled: 1,
        credentials: { env: { METADATA_SERVER_DETECTION: "none" }, homedir: "/nonexistent" },
      }),
    );
    expect(error.code).toBe("NO_CREDENTIALS");
    expect(fake.calls).toHaveLength(0);
  });
});
