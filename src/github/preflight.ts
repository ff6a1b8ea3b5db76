import { labelStyle } from "../plan/labels.js";
import type { GitHub, RepoRef } from "./client.js";

export type AccessProblem =
  "BAD_CREDENTIALS" | "REPO_NOT_FOUND" | "ISSUES_DISABLED" | "ARCHIVED" | "NO_ISSUES_WRITE";

/** The token can't do what a pass needs; `message` says what to change. */
export class AccessError extends Error {
  override name = "AccessError";
  constructor(
    readonly code: AccessProblem,
    message: string,
  ) {
    super(message);
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/**
 * Checks, before any log is read, that the token can write issues in the repo, and changes nothing.
 * GitHub has no endpoint that lists an installation token's permissions (GITHUB_TOKEN is one), so the
 * check creates the bot's label: 422 "already exists" proves write access and writes nothing; 201 on a
 * repo that never had it creates the label the first issue needs anyway; 403 or 404 means no issues: write
 * (GitHub checks permissions before it validates a request).
 */
export async function checkIssueWriteAccess(gh: GitHub, repo: RepoRef, botLabel: string): Promise<void> {
  const name = `${repo.owner}/${repo.repo}`;
  let data: { has_issues?: boolean; archived?: boolean };
  try {
    ({ data } = await gh.rest.repos.get({ ...repo }));
  } catch (error) {
    const status = statusOf(error);
    if (status === 401)
      throw new AccessError("BAD_CREDENTIALS", "GitHub rejected the token (401 Bad credentials)");
    if (status === 404 || status === 403) {
      throw new AccessError(
        "REPO_NOT_FOUND",
        `${name} was not found with this token (HTTP ${status}): check the repository name and the token's access to it`,
      );
    }
    throw error;
  }
  if (data.archived) throw new AccessError("ARCHIVED", `${name} is archived: its issues can't be written`);
  if (data.has_issues === false) {
    throw new AccessError(
      "ISSUES_DISABLED",
      `Issues are turned off in ${name}: turn them on in Settings → General → Features`,
    );
  }
  try {
    await gh.rest.issues.createLabel({
      ...repo,
      name: botLabel,
      ...labelStyle(botLabel),
      request: { retries: 0 },
    });
  } catch (error) {
    const status = statusOf(error);
    if (status === 422) return; // the label exists: the token may write, and nothing was written
    if (status === 403 || status === 404) {
      throw new AccessError(
        "NO_ISSUES_WRITE",
        `The token can't write issues in ${name} (HTTP ${status}): give it issues: write ` +
          "(in a workflow, `permissions: { issues: write }`; a fine-grained token needs Issues: read and write)",
      );
    }
    throw error;
  }
}
