import { hasAnyMarker } from "../issue-body/marker.js";
import type { ExistingIssue } from "../plan/existing.js";
import { labelStyle } from "../plan/labels.js";
import type { GitHub, RepoRef } from "./client.js";

type RawIssue = {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  state_reason?: string | null;
  closed_at?: string | null;
  created_at?: string;
  html_url: string;
  labels: Array<string | { name?: string }>;
  pull_request?: unknown;
};

export function labelNames(labels: Array<string | { name?: string }> | undefined): string[] {
  return (labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
}

export function toExisting(raw: RawIssue): ExistingIssue {
  return {
    number: raw.number,
    title: raw.title,
    body: raw.body ?? "",
    state: raw.state === "closed" ? "closed" : "open",
    stateReason: raw.state_reason ?? null,
    closedAt: raw.closed_at ?? null,
    createdAt: raw.created_at,
    labels: labelNames(raw.labels),
    url: raw.html_url,
    pullRequest: raw.pull_request !== undefined && raw.pull_request !== null,
  };
}

/** Every issue with `label`, open and closed (pull requests left out), through the list API (not search: it lags). */
export async function listLabelledIssues(gh: GitHub, repo: RepoRef, label: string): Promise<ExistingIssue[]> {
  const raw = await gh.paginate(gh.rest.issues.listForRepo, {
    ...repo,
    labels: label,
    state: "all",
    per_page: 100,
  });
  return (raw as RawIssue[]).map(toExisting).filter((i) => !i.pullRequest);
}

export async function getIssue(gh: GitHub, repo: RepoRef, number: number): Promise<ExistingIssue> {
  const { data } = await gh.rest.issues.get({ ...repo, issue_number: number });
  return toExisting(data as RawIssue);
}

/** Creates the labels that do not exist yet, with colours and descriptions; returns the writes made. */
export async function ensureLabels(
  gh: GitHub,
  repo: RepoRef,
  names: string[],
  known: Set<string>,
): Promise<number> {
  let writes = 0;
  for (const name of names) {
    if (known.has(name.toLowerCase())) continue;
    try {
      await gh.rest.issues.createLabel({ ...repo, name, ...labelStyle(name) });
      writes++;
    } catch (error) {
      if ((error as { status?: number }).status !== 422) throw error; // 422: created meanwhile
    }
    known.add(name.toLowerCase());
  }
  return writes;
}

export async function listLabelNames(gh: GitHub, repo: RepoRef): Promise<Set<string>> {
  const labels = await gh.paginate(gh.rest.issues.listLabelsForRepo, { ...repo, per_page: 100 });
  return new Set(labels.map((l) => l.name.toLowerCase()));
}

/** How many pages of the repo's issues (100 each, most recently updated first) a scan reads at most. */
export const MAX_SCAN_PAGES = 10;

/**
 * Issues carrying the bot's marker that `known` does not hold, read from every issue of the repo (most
 * recently updated first, `MAX_SCAN_PAGES` at most): an issue whose label a human removed or renamed.
 */
export async function scanForMarkedIssues(
  gh: GitHub,
  repo: RepoRef,
  known: Set<number>,
): Promise<{ found: ExistingIssue[]; complete: boolean }> {
  const found: ExistingIssue[] = [];
  let pages = 0;
  const iterator = gh.paginate.iterator(gh.rest.issues.listForRepo, {
    ...repo,
    state: "all",
    sort: "updated",
    direction: "desc",
    per_page: 100,
  });
  for await (const page of iterator) {
    for (const issue of (page.data as RawIssue[]).map(toExisting)) {
      if (!issue.pullRequest && !known.has(issue.number) && hasAnyMarker(issue.body)) found.push(issue);
    }
    if (++pages >= MAX_SCAN_PAGES) return { found, complete: page.data.length < 100 };
  }
  return { found, complete: true };
}

/** The issues of `numbers`; a number that no longer exists (deleted, transferred) is left out. */
export async function getIssues(gh: GitHub, repo: RepoRef, numbers: number[]): Promise<ExistingIssue[]> {
  const out: ExistingIssue[] = [];
  for (const n of numbers) {
    try {
      out.push(await getIssue(gh, repo, n));
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status !== 404 && status !== 410 && status !== 301) throw error;
    }
  }
  return out;
}

/** Closes `duplicate` as a duplicate of `of`, with a comment that links it. */
export async function closeAsDuplicate(
  gh: GitHub,
  repo: RepoRef,
  duplicate: number,
  body: string,
): Promise<void> {
  await gh.rest.issues.createComment({ ...repo, issue_number: duplicate, body });
  await gh.rest.issues.update({
    ...repo,
    issue_number: duplicate,
    state: "closed",
    state_reason: "duplicate",
  });
}
