/**
 * Octokit options that keep the retry and throttling plugins ON but make them fast enough for tests.
 *
 * Why: with throttling on, @octokit/plugin-throttling paces writes through shared Bottleneck groups —
 * one write a second, and one notification-triggering write (create issue, create comment) every
 * 3 seconds — so ten issue creations take 30 s. Passing pass-through groups removes the pacing but keeps
 * the plugin's handling of 403/429 rate-limit answers (retry-after, onSecondaryRateLimit/onRateLimit).
 * The retry plugin waits retryCount² × retryAfterBaseValue ms before a retry (default base 1000).
 *
 *   new ProbotOctokit({ auth: { token: "t" }, baseUrl: gh.baseUrl, ...fastOctokitOptions() })
 *   new Probot({ appId, privateKey, baseUrl: gh.baseUrl, Octokit: fastProbotOctokit() })
 *
 * Probot gotcha: `Octokit: ProbotOctokit.defaults(fastOctokitOptions())` does NOT work for throttling —
 * Probot passes its own `throttle` (handlers only) as instance options, which replace object defaults
 * wholesale; the installation clients then use the module-global Bottleneck groups (1 write/s and one
 * notification-triggering write per 3 s per installation id, shared across Probot instances and tests).
 * Use fastProbotOctokit(), which overrides through a defaults *function*.
 * Also: Probot's own onSecondaryRateLimit handler only logs (no retry); its onRateLimit retries twice.
 */
import { ProbotOctokit } from "probot";

export type OctokitOptions = NonNullable<ConstructorParameters<typeof ProbotOctokit>[0]>;
export type ThrottleOptions = NonNullable<OctokitOptions["throttle"]>;
export type RetryOptions = NonNullable<OctokitOptions["retry"]>;

type Job = (...args: unknown[]) => unknown;

/** The throttling plugin's handler: return true to retry after `retryAfter` seconds. */
export type LimitHandler = (
  retryAfter: number,
  options: { method: string; url: string; request: { retryCount: number } },
  octokit: unknown,
  retryCount: number,
) => boolean | void | Promise<boolean | void>;

const retryThrice: LimitHandler = (_after, _options, _octokit, retryCount) => retryCount < 3;

/** A stand-in for a Bottleneck limiter that runs every job at once. */
const passThroughLimiter = {
  schedule(...args: unknown[]): Promise<unknown> {
    // schedule(fn, ...args) or schedule(jobOptions, fn, ...args)
    const [fn, ...rest] = (typeof args[0] === "function" ? args : args.slice(1)) as [Job, ...unknown[]];
    return Promise.resolve().then(() => fn(...rest));
  },
};

/** A stand-in for a Bottleneck.Group: every key maps to the pass-through limiter. */
export function passThroughGroup(): unknown {
  return { key: () => passThroughLimiter };
}

export interface FastOptions {
  /** retries of the retry plugin for 5xx etc. (default 3, the plugin's default) */
  retries?: number;
  /** ms per "second" in both plugins' waits (default 1: retry-after 1 s → 1 ms) */
  baseMs?: number;
  /** what the throttling plugin does on a secondary rate limit (default: retry up to 3 times) */
  onSecondaryRateLimit?: LimitHandler;
  /** what it does on a primary rate limit (default: retry up to 3 times) */
  onRateLimit?: LimitHandler;
}

export function fastThrottle(o: FastOptions = {}): ThrottleOptions {
  return {
    enabled: true,
    retryAfterBaseValue: o.baseMs ?? 1,
    onSecondaryRateLimit: o.onSecondaryRateLimit ?? retryThrice,
    onRateLimit: o.onRateLimit ?? retryThrice,
    // not in the published types, but read by the plugin: `state.global ?? groups.global` etc.
    ...({
      global: passThroughGroup(),
      auth: passThroughGroup(),
      search: passThroughGroup(),
      write: passThroughGroup(),
      notifications: passThroughGroup(),
    } as object),
  } as unknown as ThrottleOptions;
}

export function fastRetry(o: FastOptions = {}): RetryOptions {
  return { enabled: true, retries: o.retries ?? 3, retryAfterBaseValue: o.baseMs ?? 1 } as RetryOptions;
}

/** `{ retry, throttle }` for ProbotOctokit / ProbotOctokit.defaults(...). */
export function fastOctokitOptions(o: FastOptions = {}): { retry: RetryOptions; throttle: ThrottleOptions } {
  return { retry: fastRetry(o), throttle: fastThrottle(o) };
}

/** `{ retry: off, throttle: off }`: every failure surfaces at once. */
export function noRetryOctokitOptions(): { retry: RetryOptions; throttle: ThrottleOptions } {
  return { retry: { enabled: false } as RetryOptions, throttle: { enabled: false } as ThrottleOptions };
}

/**
 * An Octokit class for `new Probot({ Octokit })` (or for the app's own class: pass it as `Base`) with the
 * fast retry/throttle options of fastOctokitOptions(). With `keepHandlers: true`, the rate-limit handlers
 * Probot (or Base) installs are kept, so their real decisions (Probot: no retry on secondary limits) apply.
 */
export function fastProbotOctokit(
  o: FastOptions & { keepHandlers?: boolean } = {},
  Base: typeof ProbotOctokit = ProbotOctokit,
): typeof ProbotOctokit {
  return Base.defaults((instance: OctokitOptions) => {
    const fast = fastOctokitOptions(o);
    const given = (instance.throttle ?? {}) as Partial<
      Record<"onRateLimit" | "onSecondaryRateLimit", unknown>
    >;
    const handlers = o.keepHandlers
      ? {
          ...(given.onRateLimit ? { onRateLimit: given.onRateLimit } : {}),
          ...(given.onSecondaryRateLimit ? { onSecondaryRateLimit: given.onSecondaryRateLimit } : {}),
        }
      : {};
    return {
      ...instance,
      retry: { ...(instance.retry ?? {}), ...fast.retry },
      throttle: { ...(instance.throttle ?? {}), ...fast.throttle, ...handlers },
    };
  });
}
