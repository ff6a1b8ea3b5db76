import { Context, type Probot, type ProbotOctokit } from "probot";
import type { GitHub } from "../github/client.js";
import {
  DISCOVER,
  SCHEDULED_PASS,
  Schedules,
  WorkQueue,
  type EnqueueResult,
  type Entry,
  type QueueSettings,
} from "../queue/index.js";
import { addPassOutcome, type RunReply } from "./commands/run-reply.js";
import { oneLine } from "./github-ops.js";
import type { Discovery } from "./installations.js";
import { runRepoPass, type PassDeps, type RepoPassResult } from "./pass-runner.js";

/** Webhooks whose work goes through the queue (each one changes a repo or the set of repos). */
export type QueuedEvent = "issue_comment" | "issues" | "installation" | "installation_repositories";

/** What one mailbox entry asks for. */
export type Work =
  | {
      kind: "pass";
      repo: string;
      installationId: number;
      force?: boolean;
      refresh?: number[];
      /** Who asked: a scheduler's iteration, `POST /garden/run`, a `/garden` command. */
      reason: "schedule" | "run" | "command";
      /** The reply to the command that asked: the pass's outcome is added to it. */
      reply?: RunReply;
    }
  | { kind: "webhook"; name: QueuedEvent; id: string; installationId: number; payload: object };

export interface QueuedOptions {
  app: Pick<Probot, "auth" | "log">;
  settings: QueueSettings;
  pass: Omit<PassDeps, "force" | "refresh" | "retryable">;
  octokitFor: (installationId: number) => Promise<GitHub>;
  listInstallations: () => Promise<Discovery>;
  /** Runs a queued webhook's handler with a context rebuilt on the replica that took the job. */
  dispatch: (context: Context) => Promise<void>;
  /** Called with each pass's result (tests, logs). */
  onPass?: (result: RepoPassResult) => void;
}

const RUN_DUE = "run-due";
/** Passes asked for by schedules and by `POST /garden/run` wait once per repo; forced ones each count. */
const DUE_PASS = "due-pass";
const UNCONFIGURED_RECHECK_MS = 3_600_000;

export const repoKey = (full: string) => `repo:${full.toLowerCase()}`;
export const installationKey = (id: number) => `installation:${id}`;

/**
 * The app with REDIS_URL set: webhooks, schedules and `POST /garden/run` only enqueue; the work runs on
 * whichever replica's worker takes it, one job per repo at a time, in arrival order (see
 * `src/queue/work-queue.ts`). Repos are keyed `repo:owner/name`, installation events
 * `installation:<id>`. Everything here that touches Redis goes through `src/queue/`.
 */
export class QueuedGardener {
  readonly work: WorkQueue<Work>;
  readonly schedules: Schedules;

  constructor(private readonly opts: QueuedOptions) {
    this.work = new WorkQueue<Work>({
      settings: opts.settings,
      handle: (entry, ctx) => this.handle(entry, ctx.lastAttempt),
      giveUp: (entry, error) => this.giveUp(entry, error),
      task: (name, data) => this.task(name, data),
      maintain: () => this.maintain(),
      log: opts.app.log,
    });
    this.schedules = new Schedules(this.work.queue);
  }

  get log() {
    return this.opts.app.log;
  }

  start(): void {
    this.work.start();
  }

  health() {
    return this.work.health();
  }

  close(graceMs?: number): Promise<void> {
    return this.work.close(graceMs);
  }

  /** A webhook's work, acknowledged as soon as it is in Redis (or in memory while Redis is away). */
  enqueueWebhook(context: Context, key: string): Promise<EnqueueResult> {
    const installationId = (context.payload as { installation?: { id?: number } }).installation?.id ?? 0;
    const work: Work = {
      kind: "webhook",
      name: context.name as QueuedEvent,
      id: context.id,
      installationId,
      payload: context.payload,
    };
    return this.work.enqueue(key, work, { installationId });
  }

  /** A pass of one repo, after the jobs already waiting for it (`/garden run`, `POST /garden/run`). */
  enqueuePass(
    repo: string,
    installationId: number,
    opts: { force?: boolean; refresh?: number[]; reason: "schedule" | "run" | "command"; reply?: RunReply },
  ): Promise<EnqueueResult> {
    const work: Work = { kind: "pass", repo, installationId, ...opts };
    return this.work.enqueue(repoKey(repo), work, {
      installationId,
      once: opts.force ? undefined : DUE_PASS,
    });
  }

  /** `POST /garden/run`: one replica lists the installations and asks every repo for its due pass. */
  async runDue(): Promise<void> {
    await this.work.addTask(RUN_DUE, {});
  }

  private async handle(entry: Entry<Work>, lastAttempt: boolean): Promise<void> {
    const w = entry.work;
    if (w.kind === "pass") {
      await this.pass(w, lastAttempt);
      return;
    }
    const octokit = (await this.opts.app.auth(w.installationId)) as ProbotOctokit;
    const context = new Context({ id: w.id, name: w.name, payload: w.payload } as never, octokit, this.log);
    await this.opts.dispatch(context);
  }

  private async pass(w: Extract<Work, { kind: "pass" }>, lastAttempt: boolean): Promise<RepoPassResult> {
    const gh = await this.opts.octokitFor(w.installationId);
    const [owner, name] = w.repo.split("/");
    const result = await runRepoPass(gh, owner, name, {
      ...this.opts.pass,
      force: w.force,
      refresh: w.refresh,
      retryable: !lastAttempt,
    });
    // the scheduler wakes the repo at the due time its dashboard now holds
    const now = (this.opts.pass.now ?? (() => new Date()))();
    if (result.status === "not-configured")
      await this.schedules.follow(
        w.repo,
        w.installationId,
        "hourly",
        new Date(now.getTime() + UNCONFIGURED_RECHECK_MS),
      );
    else if (result.nextDue && result.schedule)
      await this.schedules.follow(w.repo, w.installationId, result.schedule, new Date(result.nextDue));
    this.opts.onPass?.(result);
    if (w.reply) await addPassOutcome(gh, { owner, repo: name }, w.reply, result, this.log);
    return result;
  }

  private async giveUp(entry: Entry<Work>, error: unknown): Promise<void> {
    const w = entry.work;
    const what = w.kind === "pass" ? `pass of ${w.repo}` : `${w.name} webhook ${w.id}`;
    this.log.error(
      { err: error, attempts: entry.attempts + 1, work: w.kind },
      `${what} failed after its retries`,
    );
    if (w.kind === "pass" && w.reply) {
      const [owner, repo] = w.repo.split("/");
      const reply = w.reply;
      const failed = { status: "failed", message: oneLine(error) } as const;
      await this.opts
        .octokitFor(w.installationId)
        .then((gh) => addPassOutcome(gh, { owner, repo }, reply, failed, this.log))
        .catch((e: unknown) => this.log.warn({ err: e, repo: w.repo }, "could not add the pass's outcome"));
    }
  }

  private async task(name: string, data: Record<string, unknown>): Promise<void> {
    if (name === SCHEDULED_PASS) {
      const { repo, installationId } = data as { repo: string; installationId: number };
      await this.enqueuePass(repo, installationId, { reason: "schedule" });
    } else if (name === DISCOVER) {
      await this.discover();
    } else if (name === RUN_DUE) {
      const found = await this.discover();
      for (const inst of found.installations)
        for (const repo of inst.repos) await this.enqueuePass(repo, inst.id, { reason: "run" });
    }
  }

  /**
   * Lists the installations; a repo without a scheduler gets one, due at once (its first pass then
   * sets it to the repo's schedule); a scheduler whose repo is no longer installed is removed, except
   * for installations whose listing failed this time.
   */
  async discover(): Promise<Discovery> {
    const found = await this.opts.listInstallations();
    const installed = new Set<string>();
    for (const inst of found.installations) {
      for (const repo of inst.repos) {
        installed.add(repo.toLowerCase());
        await this.schedules.ensure(repo, inst.id);
      }
    }
    const failed = new Set(found.failures.map((f) => f.installation));
    for (const s of await this.schedules.list()) {
      if (!installed.has(s.repo.toLowerCase()) && !failed.has(s.installationId))
        await this.schedules.remove(s.repo);
    }
    for (const f of found.failures)
      this.log.warn(
        { installation: f.installation },
        `installation ${f.installation ?? "list"}: ${f.message}`,
      );
    return found;
  }

  /** Installation events: schedulers added (due at once) and removed. */
  async addRepos(installationId: number, repos: string[]): Promise<void> {
    for (const repo of repos) await this.schedules.ensure(repo, installationId);
  }

  async removeRepos(repos: string[]): Promise<void> {
    for (const repo of repos) await this.schedules.remove(repo);
  }

  async removeInstallation(installationId: number): Promise<void> {
    for (const s of await this.schedules.list())
      if (s.installationId === installationId) await this.schedules.remove(s.repo);
  }

  private async maintain(): Promise<void> {
    if (await this.schedules.ensureDiscovery(this.opts.settings.discoverMs))
      this.log.info(
        "discovery scheduler created (first start, or Redis was flushed): installations listed now",
      );
  }
}
