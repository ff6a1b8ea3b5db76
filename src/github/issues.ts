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
