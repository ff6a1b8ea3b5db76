import { systemClock } from "../clock.js";
import type { GitHub } from "../github/client.js";
import { oneLine } from "./github-ops.js";
import type { Discovery, InstallationFailure } from "./installations.js";
import { runRepoPass, type Logger, type PassDeps, type RepoPassResult } from "./pass-runner.js";

export interface InstallationRepos {
  id: number;
  repos: string[];
}

export interface SchedulerOptions {
  /** An Octokit authenticated as the installation. */
  octokitFor: (installationId: number) => Promise<GitHub>;
  /** Every installation of the app and its repos ("owner/name"), and the installations that failed. */
  listInstallations: () => Promise<Discovery>;
  pass: Omit<PassDeps, "force">;
  /** Each repo due in a timer tick starts after a random delay up to this (default 30 s). */
  jitterMs?: number;
  /** Timer period (default 60 s). */
  tickMs?: number;
  /** Installations are listed again when the last listing is older than this (default 1 h). */
  rediscoverMs?: number;
  /** Repos passed at once (default 4). */
  concurrency?: number;
  /**
   * After a pass that threw, the repo is retried after this (default 10 min); so is the listing after an
   * installation failed to list its repos.
   */
  retryMs?: number;
  /**
   * A repo without `.github/log-gardener.yml` is checked again after this (default 1 h); `/garden run`
   * and `POST /garden/run` check it at once.
   */
  unconfiguredMs?: number;
  random?: () => number;
  log?: Logger;
}

export interface DueOptions {
  /** List the installations first (otherwise only when the last listing is stale). */
  discover?: boolean;
  /** Every repo, due or not. */
  force?: boolean;
  /** Each repo starts after a random delay up to this. */
  jitterMs?: number;
  /** Look again at once at repos whose last pass found no config file. */
  recheckUnconfigured?: boolean;
}

/** What `POST /garden/run` answers: the work itself goes on in the background. */
export interface DueStart {
  queued: string[];
  /** A pass of these repos is running or queued already: none is started twice. */
  running: string[];
  notDue: Array<{ repo: string; nextDue: string }>;
  installations: InstallationFailure[];
}

interface Target {
  owner: string;
  repo: string;
  installationId: number;
  /** Known from the last pass in this process; unknown ones ask GitHub (the dashboard marker). */
  nextDue?: number;
  /** The last pass found no config file (then `nextDue` is only when to look again). */
  unconfigured?: boolean;
}

const keyOf = (full: string) => full.toLowerCase();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Keeps the installations' repos and runs their due passes: from a timer, from `POST /garden/run`, or
 * from the CLI. A repo's pass never runs twice at once in this process (a second request while one runs
 * gets `busy`), and one repo's or one installation's failure never stops the others.
 */
export class Scheduler {
  private readonly targets = new Map<string, Target>();
  private readonly running = new Map<string, Promise<RepoPassResult>>();
  private timer?: NodeJS.Timeout;
  private discoveredAt = -Infinity;
  private ticking?: Promise<unknown>;
  private failures: InstallationFailure[] = [];
  /** Repos picked by a run and waiting for their turn (jitter, concurrency): not picked twice. */
  private readonly queued = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly opts: SchedulerOptions) {}

  private now(): Date {
    return (this.opts.pass.now ?? systemClock)();
  }

  repos(): string[] {
    return [...this.targets.values()].map((t) => `${t.owner}/${t.repo}`).sort();
  }

  addRepos(installationId: number, repos: string[]): void {
    for (const full of repos) {
      const [owner, repo] = full.split("/");
      if (!owner || !repo) continue;
      const existing = this.targets.get(keyOf(full));
      this.targets.set(keyOf(full), {
        owner,
        repo,
        installationId,
        nextDue: existing?.nextDue,
        unconfigured: existing?.unconfigured,
      });
    }
  }

  removeRepos(repos: string[]): void {
    for (const full of repos) this.targets.delete(keyOf(full));
  }

  removeInstallation(installationId: number): void {
    for (const [k, t] of this.targets) if (t.installationId === installationId) this.targets.delete(k);
  }

  /** The installations the last listing could not read (their repos known before are kept). */
  get discoveryFailures(): InstallationFailure[] {
    return this.failures;
  }

  /**
   * Lists the installations and their repos again (repos no longer installed are dropped). Never
   * throws: an installation that fails keeps the repos known for it, a failed list of installations
   * keeps them all, and either is listed again after `retryMs`.
   */
  async discover(): Promise<InstallationFailure[]> {
    const retryMs = this.opts.retryMs ?? 600_000;
    const rediscoverMs = this.opts.rediscoverMs ?? 3_600_000;
    let found: Discovery;
    try {
      found = await this.opts.listInstallations();
    } catch (error) {
      this.opts.log?.error({ err: error }, "listing the app's installations failed; known repos still run");
      this.failures = [{ message: oneLine(error) }];
      this.discoveredAt = performance.now() - rediscoverMs + retryMs;
      return this.failures;
    }
    const failed = new Set(found.failures.map((f) => f.installation));
    const seen = new Set([...found.installations.map((i) => i.id), ...failed]);
    for (const [k, t] of this.targets) if (!seen.has(t.installationId)) this.targets.delete(k);
    for (const inst of found.installations) {
      const keep = new Set(inst.repos.map(keyOf));
      for (const [k, t] of this.targets)
        if (t.installationId === inst.id && !keep.has(k)) this.targets.delete(k);
      this.addRepos(inst.id, inst.repos);
    }
    for (const f of found.failures) {
      this.opts.log?.error(
        { installation: f.installation, error: f.message },
        `installation ${f.installation}: its repos could not be listed (${f.message}); the others still run`,
      );
    }
    this.failures = found.failures;
    // elapsed real time, not the pass clock: how often GitHub is asked again is an interval
    this.discoveredAt = performance.now() - (found.failures.length > 0 ? rediscoverMs - retryMs : 0);
    return this.failures;
  }

  isRunning(full: string): boolean {
    return this.running.has(keyOf(full));
  }

  /** A pass of the repo is running, or waiting for its turn in a run (jitter, concurrency). */
  isBusy(full: string): boolean {
    return this.running.has(keyOf(full)) || this.queued.has(keyOf(full));
  }

  /** Runs one repo's pass unless one is already running here (then `busy`); never throws. */
  runRepo(
    full: string,
    opts: { force?: boolean; installationId?: number; refresh?: number[] } = {},
  ): Promise<RepoPassResult> {
    const key = keyOf(full);
    if (this.running.has(key))
      return Promise.resolve({ repo: full, status: "busy", message: "a pass is running" });
    let target = this.targets.get(key);
    if (!target && opts.installationId !== undefined) {
      this.addRepos(opts.installationId, [full]);
      target = this.targets.get(key);
    }
    if (!target)
      return Promise.resolve({ repo: full, status: "failed", message: "not an installed repository" });
    const t = target;
    const run = (async (): Promise<RepoPassResult> => {
      try {
        const gh = await this.opts.octokitFor(t.installationId);
        const result = await runRepoPass(gh, t.owner, t.repo, {
          ...this.opts.pass,
          force: opts.force,
          refresh: opts.refresh,
        });
        t.unconfigured = result.status === "not-configured";
        if (result.nextDue) t.nextDue = Date.parse(result.nextDue);
        else if (t.unconfigured) t.nextDue = this.now().getTime() + (this.opts.unconfiguredMs ?? 3_600_000);
        return result;
      } catch (error) {
        t.nextDue = this.now().getTime() + (this.opts.retryMs ?? 600_000);
        this.opts.log?.error({ repo: full, err: error }, `pass of ${full} failed`);
        return { repo: `${t.owner}/${t.repo}`, status: "failed", message: oneLine(error) };
      }
    })().finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  /**
   * Starts a forced pass (`/garden run`) and returns it, or undefined when a pass of the repo is already
   * running or queued here. The pass is tracked: `idle()` waits for it.
   */
  trigger(full: string, installationId: number, refresh: number[] = []): Promise<RepoPassResult> | undefined {
    if (this.isBusy(full)) return undefined;
    return this.runRepo(full, { force: true, installationId, refresh });
  }

  /** Keeps work that outlives its request (a pass's report) in `idle()`. */
  track(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /**
   * Runs every due repo (those whose due time is unknown ask GitHub); returns one result per repo.
   * `recheckUnconfigured` looks again at once at repos whose last pass found no config file.
   */
  async runDue(opts: DueOptions = {}): Promise<RepoPassResult[]> {
    const { due, results } = await this.pick(opts);
    results.push(...(await this.runTargets(due, opts)));
    return results.sort((a, b) => a.repo.localeCompare(b.repo));
  }

  /**
   * `POST /garden/run`: lists the installations, then starts the due passes in the background (tracked,
   * logged) and resolves at once with what was queued, what was already running and what is not due.
   */
  async startDue(opts: DueOptions = {}): Promise<DueStart> {
    const { due, results } = await this.pick(opts);
    const queued = due.map((t) => `${t.owner}/${t.repo}`).sort();
    this.track(
      this.runTargets(due, opts).then((ran) => {
        const counts: Record<string, number> = {};
        for (const r of ran) counts[r.status] = (counts[r.status] ?? 0) + 1;
        this.opts.log?.info({ counts, repos: queued.length }, "the passes POST /garden/run queued are done");
      }),
    );
    const names = (status: string) =>
      results
        .filter((r) => r.status === status)
        .map((r) => r.repo)
        .sort();
    return {
      queued,
      running: names("busy"),
      notDue: results
        .filter((r) => r.status === "not-due")
        .map((r) => ({ repo: r.repo, nextDue: r.nextDue! })),
      installations: this.failures,
    };
  }

  /** Lists the installations when asked or stale, then splits the repos into due and the rest. */
  private async pick(opts: DueOptions): Promise<{ due: Target[]; results: RepoPassResult[] }> {
    if (opts.discover || performance.now() - this.discoveredAt > (this.opts.rediscoverMs ?? 3_600_000)) {
      await this.discover();
    }
    const now = this.now().getTime();
    const results: RepoPassResult[] = [];
    const due: Target[] = [];
    for (const [key, t] of this.targets) {
      const repo = `${t.owner}/${t.repo}`;
      const waits = t.nextDue !== undefined && t.nextDue > now;
      if (this.running.has(key) || this.queued.has(key))
        results.push({ repo, status: "busy", message: "a pass is running or queued" });
      else if (opts.force || !waits || (opts.recheckUnconfigured && t.unconfigured)) due.push(t);
      else results.push({ repo, status: "not-due", nextDue: new Date(t.nextDue!).toISOString() });
    }
    for (const t of due) this.queued.add(keyOf(`${t.owner}/${t.repo}`));
    return { due, results };
  }

  /** Runs the picked repos, `concurrency` at a time; each is released from the queue when it is done. */
  private async runTargets(due: Target[], opts: DueOptions): Promise<RepoPassResult[]> {
    // each repo waits out its own jitter at the same time; only the passes themselves are limited
    const limit = Math.max(1, this.opts.concurrency ?? 4);
    let active = 0;
    const waiting: Array<() => void> = [];
    const jitter = opts.jitterMs ?? 0;
    const results: RepoPassResult[] = [];
    await Promise.all(
      due.map(async (t) => {
        const full = `${t.owner}/${t.repo}`;
        try {
          if (jitter > 0) await sleep(Math.floor((this.opts.random ?? Math.random)() * jitter));
          while (active >= limit) await new Promise<void>((r) => waiting.push(r));
          active++;
          try {
            results.push(await this.runRepo(full, { force: opts.force }));
          } finally {
            active--;
            waiting.shift()?.();
          }
        } finally {
          this.queued.delete(keyOf(full));
        }
      }),
    );
    return results;
  }

  /** One timer tick: skipped while the previous tick still runs (its repos are still locked anyway). */
  tick(): Promise<unknown> {
    if (this.ticking) return this.ticking;
    this.ticking = this.runDue({ jitterMs: this.opts.jitterMs ?? 30_000 })
      .catch((error: unknown) => this.opts.log?.error({ err: error }, "scheduler tick failed"))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  start(): void {
    if (this.timer) return;
    const first = Math.floor((this.opts.random ?? Math.random)() * (this.opts.jitterMs ?? 30_000));
    this.timer = setTimeout(() => {
      void this.tick();
      this.timer = setInterval(() => void this.tick(), this.opts.tickMs ?? 60_000);
      this.timer.unref();
    }, first);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resolves when no pass runs any more and every tracked report is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.ticking || this.background.size > 0) {
      await Promise.allSettled([...this.running.values(), this.ticking, ...this.background]);
    }
  }
}
