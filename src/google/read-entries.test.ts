import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { status } from "@grpc/grpc-js";
import {
  fakeClientOptions,
  startFakeLogging,
  type FakeLogging,
  type SimpleEntry,
} from "../../test/fake-logging-server.js";
import { CloudLoggingError } from "./errors.js";
import type { LogQuery } from "./filter.js";
import { backoffDelay, readCloudLogging, type ReadOptions } from "./read-entries.js";

process.env.METADATA_SERVER_DETECTION ??= "none"; // belt and braces: nothing may probe a metadata server

const T0 = Date.parse("2026-11-22T04:00:00Z");
const query: LogQuery = {
  projectId: "garden-p1",
  resourceType: "cloud_run_revision",
  services: ["api"],
  severityFloor: "WARNING",
  since: new Date(T0),
  until: new Date(T0 + 6 * 3600_000),
};

function entry(i: number, extra: Partial<SimpleEntry> = {}): SimpleEntry {
  return {
    timestamp: new Date(T0 + i * 1000).toISOString(),
    severity: "WARNING",
    textPayload: `message ${i}`,
    insertId: `id-${i}`,
    logName: "projects/garden-p1/logs/run.googleapis.com%2Fstdout",
    resource: { type: "cloud_run_revision", labels: { service_name: "api" } },
    ...extra,
  };
}

/** 0..n-1, served in a scrambled order: the server sorts them as orderBy asks. */
function entries(n: number): SimpleEntry[] {
  const list = Array.from({ length: n }, (_, i) => entry(i));
  return list.map((_, i) => list[(i * 7) % n]!);
}

let fake: FakeLogging;
beforeAll(async () => {
  fake = await startFakeLogging();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const fastRetry = { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 };
const options = (extra: ReadOptions = {}): ReadOptions => ({
  client: fakeClientOptions(fake.port),
  retry: fastRetry,
  timeoutMs: 5000,
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<CloudLoggingError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudLoggingError);
  return error as CloudLoggingError;
}

describe("readCloudLogging against a fake LoggingServiceV2", () => {
  it("reads every entry of every page once, oldest first, and sends the filter and page size", async () => {
    fake.setEntries(entries(25));
    const result = await readCloudLogging(query, options({ pageSize: 10 }));

    expect(result.entries.map((e) => e.message)).toEqual(
      Array.from({ length: 25 }, (_, i) => `message ${i}`),
    );
    expect(result).toMatchObject({ complete: true, atLeast: 25, pages: 3, malformed: [] });
    expect(result.filter).toBe(
      'resource.type="cloud_run_revision" AND (resource.labels.service_name="api") AND severity>=WARNING AND ' +
        'timestamp>="2026-11-22T04:00:00.000Z" AND timestamp<"2026-11-22T10:00:00.000Z"',
    );
    expect(fake.requests).toHaveLength(3);
    for (const request of fake.requests) {
      expect(request).toMatchObject({
        resourceNames: ["projects/garden-p1"],
        filter: result.filter,
        orderBy: "timestamp desc",
        pageSize: 10,
      });
      expect(request.authorization).toBeUndefined();
    }
    expect(fake.requests[0]!.pageToken).toBe("");
    expect(new Set(fake.requests.map((r) => r.pageToken)).size).toBe(3);
  });

  it("asks for 1000 entries a page by default", async () => {
    fake.setEntries(entries(3));
    const result = await readCloudLogging(query, options());
    expect(result).toMatchObject({ complete: true, atLeast: 3, pages: 1 });
    expect(fake.requests.map((r) => r.pageSize)).toEqual([1000]);
  });

  it("keeps the page size within the API's limit and rejects a malformed project id", async () => {
    fake.setEntries(entries(3));
    await readCloudLogging(query, options({ pageSize: 5000 }));
    expect(fake.requests.map((r) => r.pageSize)).toEqual([1000]);
    const error = await rejection(readCloudLogging({ ...query, projectId: "p1/../x" }, options()));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(fake.requests).toHaveLength(1);
  });

  it("stops at maxEntries mid-page, keeping the newest entries in time order, and says more matched", async () => {
    fake.setEntries(entries(25));
    const result = await readCloudLogging(query, options({ pageSize: 10, maxEntries: 15 }));
    expect(result.entries.map((e) => e.insertId)).toEqual(
      Array.from({ length: 15 }, (_, i) => `id-${i + 10}`),
    );
    expect(result).toMatchObject({ complete: false, atLeast: 20, pages: 2 });
  });

  it("at a cap on a page boundary, reads one more page to bound what is left", async () => {
    fake.setEntries(entries(25));
    const capped = await readCloudLogging(query, options({ pageSize: 10, maxEntries: 10 }));
    expect(capped.entries).toHaveLength(10);
    expect(capped).toMatchObject({ complete: false, atLeast: 20, pages: 2 });

    fake.setEntries(entries(20));
    const exact = await readCloudLogging(query, options({ pageSize: 10, maxEntries: 20 }));
    expect(exact.entries).toHaveLength(20);
    expect(exact).toMatchObject({ complete: true, atLeast: 20 });
  });

  it("retries UNAVAILABLE from the same page token: nothing lost, nothing twice", async () => {
    fake.setEntries(entries(25));
    fake.failNext(status.UNAVAILABLE, 2, { skip: 1 }); // page 2 fails twice
    const retries: Array<{ page: number; attempt: number; code: number }> = [];
    const result = await readCloudLogging(
      query,
      options({ pageSize: 10, onRetry: ({ page, attempt, code }) => retries.push({ page, attempt, code }) }),
    );

    expect(result.entries.map((e) => e.insertId)).toEqual(Array.from({ length: 25 }, (_, i) => `id-${i}`));
    expect(result).toMatchObject({ complete: true, atLeast: 25, pages: 3 });
    expect(retries).toEqual([
      { page: 2, attempt: 1, code: status.UNAVAILABLE },
      { page: 2, attempt: 2, code: status.UNAVAILABLE },
    ]);
    // 3 pages + 2 failed calls: gax did not retry on its own, and page 2 was asked again with its token.
    const tokens = fake.requests.map((r) => r.pageToken);
    expect(tokens).toHaveLength(5);
    expect(tokens[0]).toBe("");
    expect(tokens[1]).not.toBe("");
    expect(tokens.slice(1, 4)).toEqual([tokens[1], tokens[1], tokens[1]]);
    expect(tokens[4]).not.toBe(tokens[1]);
  });

  it("retries DEADLINE_EXCEEDED too", async () => {
    fake.setEntries(entries(3));
    fake.failNext(status.DEADLINE_EXCEEDED);
    const result = await readCloudLogging(query, options());
    expect(result.entries).toHaveLength(3);
    expect(fake.requests).toHaveLength(2);
  });

  it("retries a call that times out (DEADLINE_EXCEEDED from the client's deadline)", async () => {
    fake.setEntries(entries(3));
    fake.setLatency(300);
    try {
      const error = await rejection(
        readCloudLogging(query, options({ timeoutMs: 100, retry: { maxAttempts: 2 } })),
      );
      expect(error).toMatchObject({ code: "RETRIES_EXHAUSTED", grpcCode: status.DEADLINE_EXCEEDED });
      expect(error.message).toContain(
        "kept failing with DEADLINE_EXCEEDED for project garden-p1 (2 attempts",
      );
      expect(fake.requests).toHaveLength(2);
    } finally {
      fake.setLatency(0);
    }
  });

  it("does not retry when the credentials can't produce a token", async () => {
    fake.setEntries(entries(3));
    fake.failNext(status.UNAVAILABLE, 1, {
      details: "Getting metadata from plugin failed with error: invalid_grant",
    });
    const error = await rejection(readCloudLogging(query, options()));
    expect(error.code).toBe("UNAUTHENTICATED");
    expect(error.message).toContain("invalid_grant");
    expect(error.message).toContain("gcloud auth application-default login");
    expect(fake.requests).toHaveLength(1);
  });

  it("gives up with RETRIES_EXHAUSTED when RESOURCE_EXHAUSTED outlasts the attempts", async () => {
    fake.setEntries(entries(3));
    fake.failNext(status.RESOURCE_EXHAUSTED, 3); // exactly maxAttempts: a 4th call would succeed
    const started = Date.now();
    const error = await rejection(readCloudLogging(query, options()));
    expect(error.code).toBe("RETRIES_EXHAUSTED");
    expect(error.grpcCode).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.message).toMatch(
      /failing with RESOURCE_EXHAUSTED for project garden-p1 \(3 attempts on page 1\)/,
    );
    expect(error.message).not.toContain("\n");
    expect(fake.requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it.each([
    [status.PERMISSION_DENIED, "PERMISSION_DENIED"],
    [status.UNAUTHENTICATED, "UNAUTHENTICATED"],
    [status.NOT_FOUND, "NOT_FOUND"],
  ] as const)(
    "turns gRPC %i into a one-line %s error naming the project and the role",
    async (code, name) => {
      fake.setEntries(entries(3));
      fake.failNext(code, 1, { details: "The caller does not have permission" });
      const error = await rejection(readCloudLogging(query, options()));
      expect(error.code).toBe(name);
      expect(error.grpcCode).toBe(code);
      expect(error.message).toContain("grant roles/logging.viewer on project garden-p1 to ");
      expect(error.message).toContain(`(${name})`);
      expect(error.message).not.toContain("\n");
      expect(fake.requests).toHaveLength(1); // never retried
    },
  );

  it("names the service account of GOOGLE_APPLICATION_CREDENTIALS in a PERMISSION_DENIED error", async () => {
    fake.setEntries(entries(1));
    fake.failNext(status.PERMISSION_DENIED);
    const keyFile = "/keys/sa.json";
    const error = await rejection(
      readCloudLogging(
        query,
        options({
          credentials: {
            env: { GOOGLE_APPLICATION_CREDENTIALS: keyFile },
            homedir: "/nonexistent",
            host: {
              platform: "linux",
              readFile: (file) =>
                file === keyFile
                  ? JSON.stringify({ type: "service_account", client_email: "lg@x.iam" })
                  : undefined,
            },
          },
        }),
      ),
    );
    expect(error.message).toBe(
      "Cloud Logging denied reading the logs of project garden-p1 (PERMISSION_DENIED): " +
        "grant roles/logging.viewer on project garden-p1 to serviceAccount:lg@x.iam",
    );
  });

  it("fails fast without credentials, before any call", async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "lg-home-"));
    const started = Date.now();
    const error = await rejection(
      readCloudLogging(query, {
        credentials: { env: {}, homedir: home, host: { platform: "linux", readFile: () => undefined } },
      }),
    );
    expect(error.code).toBe("NO_CREDENTIALS");
    expect(error.message).toMatch(/^No Google credentials found: set GOOGLE_APPLICATION_CREDENTIALS/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fake.requests).toHaveLength(0);
  });

  it("counts and skips malformed entries, and normalizes JSON payloads", async () => {
    fake.setEntries([
      entry(0),
      entry(1, { textPayload: undefined }), // no payload at all
      entry(2, {
        textPayload: undefined,
        severity: "ERROR",
        jsonPayload: {
          message: "Session access failed (middleware not installed?): abc",
          logger: "app.auth",
          attempt: 3,
          context: { user: "u1", tags: ["a", null, true] },
        },
        labels: { env: "staging" },
        sourceLocation: { file: "app/auth.py", line: 42, function: "login" },
        trace: "projects/garden-p1/traces/abc",
        httpRequest: { requestMethod: "GET", requestUrl: "/x", status: 502, latency: "0.25s" },
        receiveTimestamp: new Date(T0 + 1_802_000).toISOString(), // arrived 30 minutes late
      }),
      entry(3, { timestamp: undefined }), // no timestamp
    ]);
    const result = await readCloudLogging(query, options());

    expect(result.entries.map((e) => e.insertId)).toEqual(["id-0", "id-2"]);
    expect(result.atLeast).toBe(4);
    expect(result.malformed).toEqual([
      { where: "page 1, entry 2 (insertId id-1)", reason: "no textPayload, jsonPayload or protoPayload" },
      { where: "page 1, entry 4 (insertId id-3)", reason: "invalid or missing timestamp null" },
    ]);
    const json = result.entries[1]!;
    expect(json).toMatchObject({
      timestamp: new Date(T0 + 2000),
      receiveTimestamp: new Date(T0 + 1_802_000),
      severity: "ERROR",
      message: "Session access failed (middleware not installed?): abc",
      jsonPayload: {
        message: "Session access failed (middleware not installed?): abc",
        logger: "app.auth",
        attempt: 3,
        context: { user: "u1", tags: ["a", null, true] },
      },
      labels: { env: "staging" },
      resource: { type: "cloud_run_revision", labels: { service_name: "api" } },
      service: "api",
      sourceLocation: { file: "app/auth.py", line: 42, function: "login" },
      logger: "app.auth",
      trace: "projects/garden-p1/traces/abc",
      logName: "projects/garden-p1/logs/run.googleapis.com%2Fstdout",
      httpRequest: { requestMethod: "GET", requestUrl: "/x", status: 502, latency: "0.25s" },
    });
    expect(result.entries[0]).toMatchObject({
      message: "message 0",
      severity: "WARNING",
      jsonPayload: undefined,
    });
  });

  it("reports a query the server rejects as INVALID_ARGUMENT with the filter", async () => {
    fake.setEntries(entries(1));
    fake.failNext(status.INVALID_ARGUMENT, 1, { details: "Unparseable filter: bad token" });
    const error = await rejection(readCloudLogging({ ...query, extraFilter: "jsonPayload.x=" }, options()));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("Unparseable filter: bad token");
    expect(error.message).toContain("AND (jsonPayload.x=)");
  });
});

describe("reading within the quota", () => {
  /** A virtual clock: sleeping moves it on at once, and the sleeps are recorded. */
  function virtualClock(start = T0) {
    let now = start;
    const sleeps: number[] = [];
    return {
      sleeps,
      clock: {
        now: () => now,
        sleep: async (ms: number) => {
          sleeps.push(ms);
          now += ms;
        },
      },
    };
  }

  it("follows an empty page that carries a token until the entries come", async () => {
    fake.setEntries(entries(25));
    fake.emptyPagesNext(2);
    const result = await readCloudLogging(query, options({ pageSize: 10 }));
    expect(result.entries).toHaveLength(25);
    expect(result).toMatchObject({ complete: true, atLeast: 25, pages: 5 });
    expect(fake.requests.map((r) => r.pageToken === "")).toEqual([true, false, false, false, false]);
  });

  it("waits so that no minute holds more calls than requestsPerMinute, and reports the wait", async () => {
    fake.setEntries(entries(50));
    const { clock, sleeps } = virtualClock();
    const result = await readCloudLogging(query, options({ pageSize: 10, requestsPerMinute: 2, clock }));
    expect(result.entries).toHaveLength(50);
    expect(fake.requests).toHaveLength(5);
    // Calls 3 and 5 wait for the minute of calls 1 and 3 to pass; the virtual clock does not move otherwise.
    expect(sleeps).toEqual([60_000, 60_000]);
    expect(result.pacedMs).toBe(120_000);
  });

  it("does not wait at all under the quota", async () => {
    fake.setEntries(entries(30));
    const { clock, sleeps } = virtualClock();
    const result = await readCloudLogging(query, options({ pageSize: 10, clock }));
    expect(result.pages).toBe(3);
    expect(sleeps).toEqual([]);
    expect(result.pacedMs).toBe(0);
  });
});

describe("backoffDelay", () => {
  const policy = { maxAttempts: 9, initialDelayMs: 100, maxDelayMs: 1000 };
  it("doubles from the initial delay up to the maximum, with up to half of it random", () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
});
