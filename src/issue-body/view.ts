import type { GardenerConfig } from "../config/schema.js";
import type { LogEntry } from "../entries/log-entry.js";
import { safeTitle, stripMarkers, truncate } from "../safety/markdown.js";
import type { Redactor } from "../safety/redact.js";
import { render } from "../templates/render.js";
import { sampleView } from "../worklog/build.js";
import { statusLine } from "./checklist.js";
import { titleText } from "./format.js";
import { logsExplorerUrl } from "./logs-link.js";
import { encodeState, type IssueState } from "./marker.js";

export const MAX_BODY = 65_536;
export const MAX_TITLE = 256;
const SAFETY_MARGIN = 512;

export interface BodyInput {
  state: IssueState;
  thisRun: number;
  /** This pass's count is a lower bound (the source stopped before the window was read). */
  thisRunAtLeast?: boolean;
  samples: LogEntry[];
  businessImpact: string;
  technicalImpact: string;
  locations: string[];
  ticks: boolean[];
  window: { from: Date; to: Date };
  resourceType?: string;
  now: Date;
  /** Characters of the current body that are kept around the bot's sections (human text). */
  reserve?: number;
}

function snoozeText(state: IssueState, now: Date): string | undefined {
  const s = state.snooze;
  if (!s) return undefined;
  if (s.until && new Date(s.until) > now) return `until ${s.until}`;
  if (s.occurrences && s.occurrences > 0) return `for the next ${s.occurrences} occurrence(s)`;
  return undefined;
}

/** Renders the bot-owned body of an issue (sections + state marker), trimmed to fit GitHub's limit. */
export function renderIssueBody(input: BodyInput, config: GardenerConfig, redactor: Redactor): string {
  const { state } = input;
  const samples = input.samples.map((e) => stripMarkers(JSON.stringify(sampleView(e, redactor), null, 2)));
  const view = {
    summary: {
      ...state,
      thisRun: input.thisRun,
      thisRunAtLeast: input.thisRunAtLeast === true,
      fingerprint: state.fp,
    },
    template: stripMarkers(redactor.redactText(state.template)),
    samples,
    samplesTrimmed: 0,
    businessImpact: state.impact ?? input.businessImpact,
    technicalImpact: input.technicalImpact,
    logsUrl: state.project
      ? logsExplorerUrl({
          project: state.project,
          resourceType: input.resourceType,
          service: state.service,
          template: redactor.redactText(state.template),
          from: input.window.from,
          to: input.window.to,
        })
      : undefined,
    location: { logger: state.logger, function: state.function, files: input.locations },
    history: [...state.history].reverse(),
    snoozed: snoozeText(state, input.now),
    checklist: {
      status: statusLine(input.ticks),
      steps: config.checklist.steps.map((step, n) => ({ ...step, n, done: input.ticks[n] ?? false })),
    },
  };
  const marker = encodeState(state);
  const limit = Math.max(MAX_BODY - SAFETY_MARGIN - (input.reserve ?? 0), 4096);
  for (;;) {
    const body = `${render("issue", view)}\n${marker}\n`;
    if (body.length <= limit) return body;
    if (view.samples.length > 1) {
      view.samples.pop();
      view.samplesTrimmed++;
    } else if (view.history.length > 1) {
      view.history.pop();
    } else if (view.samples.length === 1 && view.samples[0].length > 1000) {
      view.samples[0] = truncate(view.samples[0], Math.floor(view.samples[0].length / 2));
    } else if (view.samples.length === 1) {
      view.samples.pop();
      view.samplesTrimmed++;
    } else if (view.template.length > 200) {
      view.template = truncate(view.template, Math.floor(view.template.length / 2));
    } else {
      return body; // only fixed text and the marker left: never cut the marker; GitHub's 422 is reported
    }
  }
}

/** `[P3] service: template`, redacted, defused and cut to GitHub's 256 characters (titles are plain text). */
export function issueTitle(state: IssueState, redactor: Redactor): string {
  return safeTitle(redactor.redactText(titleText(state.priority, state.service, state.template)), MAX_TITLE);
}
