import { ProbotOctokit } from "probot";

export type GitHub = InstanceType<typeof ProbotOctokit>;
export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * An Octokit for a token (the CLI), with Probot's retry and throttling plugins: 5xx and rate limits are
 * retried with backoff; secondary limits wait as long as GitHub asks, up to a few times.
 */
export function tokenClient(token: string, baseUrl?: string, log?: { warn: (msg: string) => void }): GitHub {
  return new ProbotOctokit({
    ...(token ? { auth: { token } } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    throttle: {
      onRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log?.warn(`rate limited on ${options.method} ${options.url}; retrying in ${retryAfter}s`);
        return retryCount < 2;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log?.warn(`secondary rate limit on ${options.method} ${options.url}; retrying in ${retryAfter}s`);
        return retryCount < 2;
      },
    },
  });
}
