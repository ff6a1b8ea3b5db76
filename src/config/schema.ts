import { z } from "zod";
import { SEVERITIES } from "../entries/log-entry.js";
import { DEFAULT_MAXIMUM_BYTES_BILLED } from "../google/log-analytics-limits.js";
import { isValidView } from "../google/log-analytics-sql.js";
import { LABEL_NAME_MAX, PRIORITIES, STEP_COUNT, type Priority } from "../issue-body/format.js";
import { parseDuration } from "./duration.js";
import { compilePattern } from "./pattern.js";
import { isValidSchedule } from "./schedule.js";

export { PRIORITIES, type Priority };

const severity = z.enum(SEVERITIES);
const priority = z.enum(PRIORITIES);
const duration = z.string().refine((v) => parseDuration(v) !== undefined, {
  message: "expected a duration such as 30m, 6h or 7d",
});
// Patterns run on RE2 (linear time, see pattern.ts), so a nested quantifier such as (a+)+ is harmless.
const regex = z.string().superRefine((v, ctx) => {
  try {
    compilePattern(v);
  } catch (error) {
    ctx.addIssue({
      code: "custom",
      message: `not a valid regular expression for RE2 (no lookaround, no backreferences): ${error instanceof Error ? error.message : String(error)}`,
    });
  }
});

const ruleSchema = z
  .object({
    name: z.string().min(1).describe("Shown in the issue as the reason for its priority."),
    match: z
      .object({
        minSeverity: severity.optional(),
        message: regex.optional(),
        logger: regex.optional().describe("Matches the logger name or the module."),
        function: regex.optional(),
        service: regex.optional(),
        minCount: z.number().int().positive().optional(),
      })
      .strict()
      .prefault({}),
    set: z
      .object({
        priority,
        category: z.string().min(1),
        businessImpact: z.string().optional(),
        technicalImpact: z.string().optional(),
      })
      .strict(),
  })
  .strict();
export type TriageRule = z.infer<typeof ruleSchema>;

// GitHub's limits on a label name: at most 50 characters, and no comma (it separates labels in queries).
const label = z
  .string()
  .min(1)
  .max(LABEL_NAME_MAX, { message: `a label has at most ${LABEL_NAME_MAX} characters` })
  .refine((v) => !v.includes(","), { message: "a label cannot contain a comma" });

const stepSchema = z.object({ name: z.string().min(1), description: z.string().default("") }).strict();

const DEFAULT_STEPS = [
  { name: "Audit", description: "Confirm the pattern, its scope and who owns the code path." },
  { name: "Discover and plan tests", description: "Find the cause and write down the tests that prove it." },
  { name: "Execute the test plan", description: "Run the tests and record what they show." },
  { name: "Plan remediation", description: "Decide the fix and its rollout." },
  { name: "Execute remediation", description: "Implement the fix." },
  { name: "Test-fix loop", description: "Re-run the tests until they pass and the pattern stops." },
  { name: "PR and closure", description: "Merge the PR, confirm the logs are quiet, close the issue." },
];

export const configSchema = z
  .object({
    project: z.string().min(1).optional().describe("Google Cloud project id whose logs are read."),
    resource: z
      .object({
        type: z.string().optional().describe("Monitored resource type, e.g. cloud_run_revision."),
        services: z.array(z.string().min(1)).default([]).describe("Service names to read; empty means all."),
      })
      .strict()
      .prefault({}),
    filter: z.string().default("").describe("Extra Cloud Logging filter, ANDed with the rest."),
    severity: severity.default("WARNING").describe("Severity floor: entries below it are not read."),
    window: duration.default("6h").describe("How far back each pass reads."),
    maxEntries: z
      .number()
      .int()
      .positive()
      .default(10000)
      .describe("Cap on entries read per pass (source: entries); counts past it are shown as lower bounds."),
    requestsPerMinute: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(50)
      .describe("entries.list calls per minute at most (Cloud Logging allows 60 per project, shared)."),
    source: z
      .enum(["entries", "log-analytics"])
      .default("entries")
      .describe(
        "entries: read each entry (entries.list); log-analytics: count in BigQuery, exact at any volume.",
      ),
    logAnalytics: z
      .object({
        view: z
          .string()
          .refine(isValidView, { message: "expected PROJECT.LINK_ID._AllLogs (the linked dataset's view)" })
          .optional()
          .describe("The linked BigQuery dataset's view, PROJECT.LINK_ID._AllLogs (source: log-analytics)."),
        maximumBytesBilled: z
          .number()
          .int()
          .positive()
          .default(DEFAULT_MAXIMUM_BYTES_BILLED)
          .describe("Bytes one query may bill at most (10 GiB); BigQuery refuses a query over it."),
        location: z
          .string()
          .min(1)
          .optional()
          .describe("BigQuery location of the linked dataset, e.g. US or EU."),
      })
      .strict()
      .prefault({}),
    schedule: z
      .string()
      .refine(isValidSchedule, { message: "expected hourly, daily, 'every 30m' or a cron expression" })
      .default("hourly")
      .describe("When passes run: hourly, daily, 'every 2h' or a cron expression (UTC)."),
    thresholds: z
      .object({
        minPriority: priority.default("P5").describe("Lowest priority that gets an issue (P0 is highest)."),
        minOccurrences: z
          .number()
          .int()
          .positive()
          .default(1)
          .describe("Fewest occurrences that get an issue."),
      })
      .strict()
      .prefault({}),
    triage: z
      .object({
        rules: z.array(ruleSchema).default([]).describe("Rules tried in order before the defaults."),
        useDefaults: z.boolean().default(true).describe("Append the built-in rules after yours."),
      })
      .strict()
      .prefault({}),
    labels: z
      .object({
        bot: label.default("log-gardener").describe("Label on every issue the bot files."),
        ignored: label.default("log-gardener:ignored").describe("Label that stops reopening."),
        extra: z.array(label).default([]).describe("More labels for every new issue."),
      })
      .strict()
      .prefault({}),
    checklist: z
      .object({
        steps: z
          .array(stepSchema)
          .length(STEP_COUNT)
          .default(DEFAULT_STEPS)
          .describe("Remediation steps 0-6 ({name, description}); default: audit … PR and closure."),
      })
      .strict()
      .prefault({}),
    redaction: z
      .object({
        extra: z
          .array(z.object({ name: z.string().min(1), pattern: regex }).strict())
          .default([])
          .describe("Extra secret patterns to redact."),
      })
      .strict()
      .prefault({}),
    regression: z
      .object({
        policy: z
          .enum(["reopen", "new-issue", "ignore"])
          .default("reopen")
          .describe("What a pattern seen again after its issue was closed as completed does."),
        grace: duration
          .default("15m")
          .describe("Entries this soon after a close are still counted as in flight."),
      })
      .strict()
      .prefault({}),
    issues: z
      .object({
        maxNewPerPass: z
          .number()
          .int()
          .nonnegative()
          .default(10)
          .describe(
            "New issues filed per pass at most, highest priority first; the rest wait in the backlog.",
          ),
        maxWritesPerPass: z.number().int().positive().default(60).describe("GitHub writes per pass at most."),
        stormThreshold: z
          .number()
          .int()
          .positive()
          .default(25)
          .describe(
            "A pass with more new patterns than this, and stormFactor times the usual, is a storm: only P0 patterns are filed until it ends.",
          ),
        stormFactor: z
          .number()
          .min(1)
          .default(5)
          .describe(
            "How far above the usual new patterns per pass (the median of the last passes) a storm is.",
          ),
        samples: z.number().int().min(1).max(10).default(3).describe("Sample entries shown in each issue."),
        historyRuns: z.number().int().min(1).max(50).default(10).describe("Passes kept in the run history."),
        spikeFactor: z
          .number()
          .positive()
          .default(10)
          .describe("Comment when a run's rate is this many times usual."),
      })
      .strict()
      .prefault({}),
    dashboard: z
      .object({
        enabled: z.boolean().default(true).describe("Keep a dashboard issue with each pass's worklog."),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.source !== "log-analytics") return;
    const view = config.logAnalytics.view;
    if (!view) {
      ctx.addIssue({
        code: "custom",
        path: ["logAnalytics", "view"],
        message: "source: log-analytics needs the linked dataset's view, PROJECT.LINK_ID._AllLogs",
      });
    } else if (config.project && view.split(".")[0] !== config.project) {
      ctx.addIssue({
        code: "custom",
        path: ["logAnalytics", "view"],
        message: `the view must be in project ${config.project} (the logs this repo may read)`,
      });
    }
    if (config.filter) {
      ctx.addIssue({
        code: "custom",
        path: ["filter"],
        message:
          "a Cloud Logging filter cannot run in Log Analytics: narrow with resource.type, resource.services and severity",
      });
    }
  });

export type GardenerConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export { ruleSchema };
