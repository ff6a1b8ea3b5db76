import { parseDuration } from "../config/duration.js";

/** The queue's settings, read from the environment (see the README's settings table). */
export interface QueueSettings {
  /** env REDIS_URL, e.g. redis://10.0.0.3:6379/0 or rediss://… (Memorystore with TLS). */
  url: string;
  /** env GARDENER_QUEUE_PREFIX: every Redis key starts with it (default `log-gardener`). */
  prefix: string;
  /** env GARDENER_CONCURRENCY: jobs this replica works on at once, each on a different repo (default 4). */
  concurrency: number;
  /** env GARDENER_INSTALLATION_RATE: jobs per minute per installation, across all replicas (default 30). */
  installationRate: number;
  /**
   * env GARDENER_INSTALLATION_CONCURRENCY: jobs of one installation running at once, across all replicas
   * (default 1). An installation's GitHub writes are paced (one issue or comment every few seconds), so
   * more of its jobs at once would only hold workers that other installations' jobs could use.
   */
  installationConcurrency: number;
  /**
   * env GARDENER_LOCK_TIMEOUT: how long a repo stays locked after its replica stopped renewing the lock
   * (killed, frozen); another replica then takes the job over (default 30s).
   */
  lockMs: number;
  /** env GARDENER_JOB_ATTEMPTS: tries of a job that throws (GitHub, Google errors) before it is reported (default 5). */
  attempts: number;
  /** env GARDENER_RETRY_DELAY: first retry delay, doubled on each try, at most 10 min (default 10s). */
  retryMs: number;
  /** env GARDENER_SHUTDOWN_GRACE: on SIGTERM, how long the current job may still run before the replica exits (default 8s). */
  shutdownGraceMs: number;
  /** env GARDENER_DISCOVERY_INTERVAL: how often one replica lists the installations again (default 1h). */
  discoverMs: number;
  /**
   * How often each replica delivers what it buffered, rings the mailboxes that hold entries and checks
   * that the discovery scheduler exists (re-created at once after a flush); default 15 s.
   */
  maintenanceMs?: number;
}

export const QUEUE_DEFAULTS: Omit<QueueSettings, "url"> = {
  prefix: "log-gardener",
  concurrency: 4,
  installationRate: 30,
  installationConcurrency: 1,
  lockMs: 30_000,
  attempts: 5,
  retryMs: 10_000,
  shutdownGraceMs: 8_000,
  discoverMs: 3_600_000,
};

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, errors: string[]): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (Number.isInteger(n) && n > 0) return n;
  errors.push(`${name}: "${raw}" is not a positive whole number; using ${fallback}`);
  return fallback;
}

function duration(env: NodeJS.ProcessEnv, name: string, fallback: number, errors: string[]): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const ms = parseDuration(raw);
  if (ms !== undefined) return ms;
  errors.push(`${name}: "${raw}" is not a duration such as 30s, 5m or 1h; using the default`);
  return fallback;
}

/** The queue's settings when REDIS_URL is set; undefined (the in-process default) when it is not. */
export function queueSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  settings?: QueueSettings;
  errors: string[];
} {
  const errors: string[] = [];
  const url = env.REDIS_URL?.trim();
  if (!url) return { errors };
  if (!/^rediss?:\/\//i.test(url)) {
    errors.push(`REDIS_URL: "${url.replace(/\/\/[^@/]*@/, "//…@")}" must start with redis:// or rediss://`);
    return { errors };
  }
  const d = QUEUE_DEFAULTS;
  const settings: QueueSettings = {
    url,
    prefix: env.GARDENER_QUEUE_PREFIX?.trim() || d.prefix,
    concurrency: positiveInt(env, "GARDENER_CONCURRENCY", d.concurrency, errors),
    installationRate: positiveInt(env, "GARDENER_INSTALLATION_RATE", d.installationRate, errors),
    installationConcurrency: positiveInt(
      env,
      "GARDENER_INSTALLATION_CONCURRENCY",
      d.installationConcurrency,
      errors,
    ),
    lockMs: Math.max(2_000, duration(env, "GARDENER_LOCK_TIMEOUT", d.lockMs, errors)),
    attempts: positiveInt(env, "GARDENER_JOB_ATTEMPTS", d.attempts, errors),
    retryMs: duration(env, "GARDENER_RETRY_DELAY", d.retryMs, errors),
    shutdownGraceMs: duration(env, "GARDENER_SHUTDOWN_GRACE", d.shutdownGraceMs, errors),
    discoverMs: Math.max(60_000, duration(env, "GARDENER_DISCOVERY_INTERVAL", d.discoverMs, errors)),
  };
  return { settings, errors };
}
