/**
 * `npm run bench:replicas`: several app processes (as `npm start` runs them) on one Redis, against the
 * fake GitHub and fake Cloud Logging, through several schedule periods, a burst of signed `/garden`
 * commands and a replica SIGKILLed mid-pass; ends with one line of figures measured from what the
 * fakes recorded. `--no-redis` runs the same replicas without REDIS_URL (each with its own timer): the
 * counting then shows the duplicates and overlaps it exists to catch. See README "Benchmarks".
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startFakeGitHub, type FakeGitHub } from "../../test/fake-github/index.js";
import { startFakeLogging, type FakeLogging } from "../../test/fake-logging-server.js";
import { appPrivateKey, deliverWebhook, startAppProcess, type AppProcess } from "../../test/app/processes.js";
import {
  commandSpans,
  measure,
  passSpans,
  repoOf,
  summaryLine,
  dashboardPass,
  type BenchRecord,
  type Command,
  type Kill,
} from "./measure.js";
import { commentPayload, entryBatch, makeWorld, planCommands, seedGitHub, MAINTAINER } from "./seed.js";

const { values: args } = parseArgs({
  options: {
    replicas: { type: "string", default: "3" },
    repos: { type: "string", default: "200" },
    installations: { type: "string", default: "20" },
    "period-minutes": { type: "string", default: "3" },
    slots: { type: "string", default: "3" },
    commands: { type: "string", default: "60" },
    "entries-per-batch": { type: "string", default: "5" },
    "no-redis": { type: "boolean", default: false },
    "redis-url": { type: "string", default: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/13" },
    "no-kill": { type: "boolean", default: false },
    env: { type: "string", multiple: true, default: [] },
    out: { type: "string", default: "gardener-out/bench-replicas" },
    seed: { type: "string", default: "13" },
  },
});

const replicas = Number(args.replicas);
const periodMs = Number(args["period-minutes"]) * 60_000;
const slots = Number(args.slots);
const redis = !args["no-redis"];
const out = path.resolve(args.out!);
const SECRET = "bench-webhook-secret";
const APP_ID = 123;

let seed = Number(args.seed);
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const say = (text: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const SENTINEL = "log-gardener-bench:run";

function redisCli(url: string, ...command: string[]): string {
  const u = new URL(url);
  const db = u.pathname.replace("/", "") || "0";
  const cli = ["-h", u.hostname, "-p", u.port || "6379", "-n", db];
  const run = spawnSync("redis-cli", [...cli, ...command], { encoding: "utf8" });
  return `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
}

/**
 * Empties the bench's Redis database (its own DB number, not the default one others use) and leaves a
 * key in it, to tell at the end whether someone else flushed the database meanwhile.
 */
function flushRedis(url: string, runId: string): void {
  const ping = redisCli(url, "ping");
  if (ping !== "PONG") throw new Error(`Redis at ${url} does not answer: ${ping}`);
  redisCli(url, "flushdb");
  redisCli(url, "set", SENTINEL, runId);
}

function extraEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of args.env ?? []) {
    const i = kv.indexOf("=");
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const world = makeWorld(Number(args.repos), Number(args.installations));
  const runId = `${process.pid}-${Date.now()}`;
  if (redis) flushRedis(args["redis-url"]!, runId);

  const gh: FakeGitHub = await startFakeGitHub({
    appId: APP_ID,
    installations: world.installations,
    now: () => new Date(),
  });
  seedGitHub(gh, world, Number(args["period-minutes"]));
  const ports: number[] = [];
  const loggings: FakeLogging[] = [];
  const portReplica = new Map<number, number>([[gh.port, -1]]);
  for (let i = 0; i < replicas; i++) {
    const extra = await gh.listenAlso();
    portReplica.set(extra.port, i);
    ports.push(extra.port);
    loggings.push(await startFakeLogging());
  }
  const entries: ReturnType<typeof entryBatch> = [];
  const addBatch = (batch: number, at: number) => {
    entries.push(...entryBatch(batch, Number(args["entries-per-batch"]), at));
    for (const l of loggings) l.setEntries(entries);
  };

  // slot 0 starts on the schedule's grid, so every slot holds exactly one due pass per repo
  const start = Math.ceil((Date.now() + 5_000) / periodMs) * periodMs;
  const end = start + slots * periodMs;
  addBatch(0, start);
  say(
    `${redis ? `Redis ${args["redis-url"]}` : "no Redis"}: ${replicas} replicas, ${world.repos.length} repos in ` +
      `${world.installations.length} installations, ${slots} slots of ${periodMs / 60_000} min from ` +
      `${new Date(start).toISOString()}; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
  );
  await sleep(start - Date.now());

  const privateKey = appPrivateKey();
  const procs: AppProcess[] = [];
  for (let i = 0; i < replicas; i++) {
    procs.push(
      startAppProcess({
        port: await freePort(),
        githubHost: `127.0.0.1:${ports[i]}`,
        appId: APP_ID,
        privateKey,
        webhookSecret: SECRET,
        logFile: path.join(out, `replica-${i + 1}.log`),
        env: {
          GARDENER_ALLOWED_PROJECTS: world.allowList,
          GARDENER_LOGGING_ENDPOINT: `127.0.0.1:${loggings[i].port}`,
          REDIS_URL: redis ? args["redis-url"] : undefined,
          LOG_LEVEL: "info",
          ...extraEnv(),
        },
      }),
    );
  }
  await Promise.all(procs.map((p) => p.ready()));
  say(`replicas up: ${procs.map((p) => `pid ${p.pid}`).join(", ")}`);
  const alive = new Set(procs.map((_, i) => i));

  const commands: Command[] = [];
  let kill: Kill | undefined;
  let killing: Promise<void> = Promise.resolve();
  const victim = 1;

  for (let k = 1; k < slots; k++) {
    await sleep(start + k * periodMs - 10_000 - Date.now());
    addBatch(k, start + k * periodMs - 10_000);
    await sleep(start + k * periodMs + 3_000 - Date.now());
    if (k !== 1) continue;
    const burst = (async () => {
      const planned = planCommands(gh, world, Number(args.commands), random);
      say(`burst: ${planned.length} /garden commands to random replicas`);
      await Promise.all(
        planned.map(async (cmd, n) => {
          await sleep(n * 100);
          const [owner, name] = cmd.repo.split("/");
          const comment = gh.addComment(cmd.issue.number, cmd.source, {
            user: MAINTAINER,
            repo: `${owner}/${name}`,
          });
          const payload = commentPayload(cmd, comment.id);
          let status = 0;
          // a delivery that fails is redelivered once to another replica, as one would from the app's settings
          for (let attempt = 0; attempt < 2 && !(status >= 200 && status < 300); attempt++) {
            const choices = [...alive];
            const target = choices[Math.floor(random() * choices.length)];
            status = await deliverWebhook(procs[target].baseUrl, SECRET, "issue_comment", payload);
          }
          commands.push({
            repo: cmd.repo,
            issue: cmd.issue.number,
            commentId: comment.id,
            source: cmd.source,
            status,
          });
        }),
      );
    })();
    if (!args["no-kill"]) {
      const watch = { gh, logging: loggings[victim], repoOfProject: world.repoOfProject, portReplica };
      killing = killMidPass(watch, procs[victim], victim, end - 30_000).then((k) => {
        kill = k;
        if (!k) return;
        alive.delete(victim);
        say(`SIGKILLed replica ${victim + 1} during its pass of ${k.repo}`);
      });
    }
    await burst;
    say(
      `burst delivered: ${commands.filter((c) => c.status >= 200 && c.status < 300).length}/${commands.length} acknowledged`,
    );
  }

  // drain: passes of the last slot and commands finish; passes of the next slot are left out of the figures
  await sleep(end - Date.now());
  await killing;
  const drainUntil = Date.now() + 180_000;
  while (
    Date.now() < drainUntil &&
    unfinished(gh, loggings, world.repoOfProject, portReplica, alive, end, commands) > 0
  )
    await sleep(2_000);
  for (const i of alive) procs[i].signal("SIGTERM");
  const exits = await Promise.race([
    Promise.all([...alive].map((i) => procs[i].exited)),
    sleep(30_000).then(() => "timeout"),
  ]);
  for (const p of procs) p.signal("SIGKILL");
  say(`replicas stopped (SIGTERM: ${JSON.stringify(exits)})`);

  const record: BenchRecord = {
    replicas,
    repos: world.repos,
    start,
    periodMs,
    slots,
    calls: gh.requests
      .filter((r) => portReplica.has(r.port) && r.path.startsWith("/repos/"))
      .map((r) => ({
        replica: portReplica.get(r.port)!,
        at: r.at,
        method: r.method,
        path: r.path,
        body: r.body,
      })),
    reads: loggings.flatMap((l, replica) =>
      l.requests.flatMap((r) => {
        const repo = world.repoOfProject.get(r.resourceNames[0]?.replace(/^projects\//, "") ?? "");
        return repo && r.pageToken === "" ? [{ replica, at: r.at, repo }] : [];
      }),
    ),
    commands,
    issues: world.repos.flatMap((full) => {
      const [owner, name] = full.split("/");
      return gh.repo(owner, name).issues.map((i) => ({
        repo: full,
        number: i.number,
        body: i.body ?? "",
        state: i.state,
        byBot: i.user.type === "Bot",
      }));
    }),
    comments: world.repos.flatMap((full) => {
      const [owner, name] = full.split("/");
      return gh.repo(owner, name).comments.map((c) => ({
        repo: full,
        issue: c.issue_number,
        body: c.body,
        byBot: c.user.type === "Bot",
      }));
    }),
    expectedCount: slots * Number(args["entries-per-batch"]),
    kill,
  };
  const f = measure(record);
  if (redis && redisCli(args["redis-url"]!, "get", SENTINEL) !== runId)
    say(
      `WARNING: the Redis database was flushed or reused by someone else during the run: the figures are not this app's`,
    );
  const detail = {
    mode: redis ? "redis" : "no-redis",
    load: loadavg().map((l) => Number(l.toFixed(2))),
    githubRequests: gh.requests.length,
    perReplica: procs.map((_, i) => record.calls.filter((c) => c.replica === i).length),
    dashboardWritesPerReplica: procs.map(
      (_, i) => record.calls.filter((c) => c.replica === i && dashboardPass(c) !== undefined).length,
    ),
    duplicatePasses: f.duplicatePasses,
    duplicateIssues: f.duplicateIssues,
    duplicateAnswers: f.duplicateAnswers,
    lostPasses: f.lostPasses,
    passesAfterWindow: f.outsideWindow,
    acknowledged: `${f.acknowledged}/${f.commands}`,
    counts: `${f.countsExact}/${f.countsChecked} open issues count exactly ${record.expectedCount} entries`,
    countErrors: f.countErrors.slice(0, 5),
    overlapExamples: f.overlaps.slice(0, 3).map(([a, b]) => ({
      repo: a.repo,
      a: `${a.kind}@replica ${a.replica + 1} ${new Date(a.start).toISOString().slice(11, 23)}–${new Date(a.end).toISOString().slice(11, 23)}`,
      b: `${b.kind}@replica ${b.replica + 1} ${new Date(b.start).toISOString().slice(11, 23)}–${new Date(b.end).toISOString().slice(11, 23)}`,
    })),
    unmatched: gh.unmatched().length,
    kill: kill && { replica: kill.replica + 1, repo: kill.repo, at: new Date(kill.at).toISOString() },
  };
  const time = (t: number) => new Date(t).toISOString().slice(11, 23);
  const timeline = [...passSpans(record), ...commandSpans(record)]
    .sort((a, b) => a.start - b.start)
    .map((x) => `${time(x.start)} ${time(x.end)} ${x.kind.padEnd(7)} replica ${x.replica + 1} ${x.repo}`);
  writeFileSync(path.join(out, "timeline.txt"), `${timeline.join("\n")}\n`);
  writeFileSync(
    path.join(out, "figures.json"),
    `${JSON.stringify({ detail, figures: { ...f, overlaps: undefined } }, null, 2)}\n`,
  );
  console.log(JSON.stringify(detail, null, 2));
  await gh.close();
  await Promise.all(loggings.map((l) => l.close()));
  const line = summaryLine(record, f);
  writeFileSync(path.join(out, "line.txt"), `${line}\n`);
  console.log(line);
}

/** Passes begun before `end` on a live replica without their dashboard write yet, plus unanswered commands. */
function unfinished(
  gh: FakeGitHub,
  loggings: FakeLogging[],
  repoOfProject: Map<string, string>,
  portReplica: Map<number, number>,
  alive: Set<number>,
  end: number,
  commands: Command[],
): number {
  const written = new Map<string, number>();
  for (const r of gh.requests) {
    const replica = portReplica.get(r.port) ?? -1;
    const repo = repoOf(r.path);
    if (
      !repo ||
      dashboardPass({ replica, at: r.at, method: r.method, path: r.path, body: r.body }) === undefined
    )
      continue;
    written.set(`${replica} ${repo}`, r.at);
  }
  let open = 0;
  loggings.forEach((l, replica) => {
    if (!alive.has(replica)) return;
    for (const r of l.requests) {
      const repo = repoOfProject.get(r.resourceNames[0]?.replace(/^projects\//, "") ?? "")?.toLowerCase();
      if (!repo || r.pageToken !== "" || r.at >= end) continue;
      if ((written.get(`${replica} ${repo}`) ?? 0) < r.at) open++;
    }
  });
  const answered = commands.filter((c) =>
    gh.requests.some(
      (r) =>
        r.method === "POST" &&
        r.path === `/repos/${c.repo}/issues/${c.issue}/comments` &&
        JSON.stringify(r.body ?? "").includes(c.source),
    ),
  ).length;
  return open + commands.length - answered;
}

/**
 * Waits for the victim to read a repo's logs (its pass is due and running), then for its first write
 * of that pass (or 2 s), and SIGKILLs it before the pass writes its dashboard.
 */
async function killMidPass(
  watch: {
    gh: FakeGitHub;
    logging: FakeLogging;
    repoOfProject: Map<string, string>;
    portReplica: Map<number, number>;
  },
  proc: AppProcess,
  victim: number,
  until: number,
): Promise<Kill | undefined> {
  const { gh, logging, repoOfProject, portReplica } = watch;
  let seen = logging.requests.length;
  while (Date.now() < until) {
    await sleep(20);
    const read = logging.requests.slice(seen).find((r) => r.pageToken === "");
    seen = logging.requests.length;
    if (!read) continue;
    const repo = repoOfProject.get(read.resourceNames[0]?.replace(/^projects\//, "") ?? "");
    if (!repo) continue;
    const byVictim = () =>
      gh.requests.filter(
        (r) => r.at >= read.at && portReplica.get(r.port) === victim && repoOf(r.path) === repo.toLowerCase(),
      );
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline && !byVictim().some((r) => r.method !== "GET")) await sleep(5);
    const calls = byVictim();
    const finished = calls.some(
      (r) =>
        dashboardPass({ replica: victim, at: r.at, method: r.method, path: r.path, body: r.body }) !==
        undefined,
    );
    if (finished) continue;
    proc.signal("SIGKILL");
    return { replica: victim, at: Date.now(), repo };
  }
  return undefined;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
