import type { GardenerConfig } from "../config/schema.js";
import type { GitHub, RepoRef } from "../github/client.js";
import {
  decodeStormMarker,
  encodeStormMarker,
  isStormNotice,
  type Storm,
} from "../issue-body/intake-state.js";
import { truncate } from "../safety/markdown.js";
import { MAX_TITLE } from "../issue-body/view.js";
import { STORM_LABEL, type ExistingIssue } from "../plan/existing.js";
import type { IntakeResult } from "../plan/intake.js";
import { render } from "../templates/render.js";

/** A storm notice issue: the storm it describes, when its marker can be read. */
export interface StormNotice {
  number: number;
  open: boolean;
  title: string;
  body: string;
  storm?: Storm;
}

/** The storm notices among the bot's issues, newest storm first. */
export function stormNotices(issues: ExistingIssue[]): StormNotice[] {
  return issues
    .filter((i) => i.labels.includes(STORM_LABEL) || isStormNotice(i.body))
    .map((i) => ({
      number: i.number,
      open: i.state === "open",
      title: i.title,
      body: i.body,
      storm: decodeStormMarker(i.body),
    }))
    .sort(
      (a, b) =>
        Number(b.open) - Number(a.open) ||
        Date.parse(b.storm?.startedAt ?? "") - Date.parse(a.storm?.startedAt ?? "") ||
        b.number - a.number,
    );
}

/** The storms the notices remember: at most one ongoing (the newest not ended, open first), the rest ended. */
export function noticeStorms(notices: StormNotice[]): Storm[] {
  const storms: Storm[] = [];
  for (const n of notices) {
    if (!n.storm) continue;
    const ongoing = !n.storm.endedAt && storms.every((s) => s.endedAt);
    storms.push(ongoing ? n.storm : { ...n.storm, endedAt: n.storm.endedAt ?? n.storm.lastPassAt });
  }
  return storms;
}

/** The view of a storm for its notice, in the issue or on the dashboard. */
export function stormView(storm: Storm, dashboard: boolean) {
  return {
    storm,
    dashboard,
    top: storm.top.map((p) => ({ ...p, template: truncate(p.template, 160) })),
  };
}

export function stormNoticeBody(storm: Storm): string {
  return `${render("storm-notice", stormView(storm, false)).trim()}\n\n${encodeStormMarker(storm)}\n`;
}

/**
 * Without a dashboard, a storm is one issue: created when the storm starts, updated by its later passes,
 * closed when it ends. Returns the writes made.
 */
export async function writeStormNotice(
  gh: GitHub,
  repo: RepoRef,
  notices: StormNotice[],
  intake: IntakeResult,
  config: GardenerConfig,
): Promise<{ writes: number; number?: number }> {
  const { storm, stormEvent } = intake;
  if (!storm || !stormEvent) return { writes: 0 };
  const title = truncate(render("storm-title", { storm }).trim(), MAX_TITLE);
  const body = stormNoticeBody(storm);
  // the storm's own notice, even one a maintainer closed: a storm makes one notice, never a second
  const existing = notices.find((n) => n.storm?.startedAt === storm.startedAt);
  if (!existing) {
    if (stormEvent === "ended") return { writes: 0 }; // its notice is gone: nothing to close
    const { data } = await gh.rest.issues.create({
      ...repo,
      title,
      body,
      labels: [config.labels.bot, STORM_LABEL],
      request: { retries: 0 },
    });
    return { writes: 1, number: data.number };
  }
  const close = stormEvent === "ended" && existing.open;
  if (!close && existing.body === body && existing.title === title)
    return { writes: 0, number: existing.number };
  await gh.rest.issues.update({
    ...repo,
    issue_number: existing.number,
    title,
    body,
    ...(close ? { state: "closed" as const, state_reason: "completed" as const } : {}),
  });
  return { writes: 1, number: existing.number };
}
