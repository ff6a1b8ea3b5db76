import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseDuration } from "../config/duration.js";
import type { GardenerConfig } from "../config/schema.js";
import { readLogFile, UnreadableFileError } from "../entries/file-source.js";
import { checkCredentials } from "../google/credentials.js";
import { loggingEndpoint } from "../google/endpoint.js";
import type { SourceReader, SourceResult } from "../pass/analyze.js";
import { render } from "../templates/render.js";
import type { Worklog } from "../worklog/build.js";
import { UsageError } from "./errors.js";

/* The steps of one pass that `log-gardener run` and the GitHub Action share, in the order they run. */

export interface PassWindow {
  from: Date;
  to: Date;
  /** True when the window was asked for (--since), not taken from the config. */
  explicit: boolean;
}

/** The window a pass reads: `since` (or the config's `window`) back from now; `flag` names `since` in errors. */
export function passWindow(
  since: string | undefined,
  config: GardenerConfig,
  now: Date,
  flag = "--since",
): PassWindow {
  const windowMs = parseDuration(since ?? config.window);
  if (windowMs === undefined)
    throw new UsageError(`${flag} ${since}: expected a duration such as 30m, 6h or 7d`);
  return { from: new Date(now.getTime() - windowMs), to: now, explicit: since !== undefined };
}

export interface SourceRequest {
  config: GardenerConfig;
  window: PassWindow;
  /** An exported log file (or - for stdin) instead of Cloud Logging. */
  logs?: string;
  /** The pass syncs issues: plain text, which has no timestamps or ids, is refused. */
  forSync: boolean;
  now: Date;
  stdin?: NodeJS.ReadableStream;
  env?: NodeJS.ProcessEnv;
}

/**
 * A source checked as far as it can be before anything is read: for Cloud Logging, a project and Google
 * credentials (local files only, no network). Throws UsageError or CloudLoggingError("NO_CREDENTIALS").
 */
export function prepareSource(req: SourceRequest): SourceReader {
  if (req.logs) {
    const logs = req.logs;
    return () => fileSource(logs, req);
  }
  const project = req.config.project;
  if (!project) {
    throw new UsageError(
      "no Google Cloud project: set `project` in the config or pass --project (or use --logs)",
    );
  }
  const endpoint = loggingEndpoint(req.env);
  if (!endpoint) checkCredentials(req.env);
  // Read with the issues' counting cuts when the pass syncs (a source that counts in the store needs them).
  return async (hints) => {
    const [{ cloudLogSource }, grpc] = await Promise.all([
      import("../pass/cloud-source.js"),
      import("@grpc/grpc-js"),
    ]);
    const logging = endpoint ? { ...endpoint, sslCreds: grpc.credentials.createInsecure() } : undefined;
    return cloudLogSource({ logging })({ ...req.config, project }, req.window, hints);
  };
}

async function fileSource(file: string, req: SourceRequest): Promise<SourceResult> {
  try {
    const read = await readLogFile(file, req.stdin ?? process.stdin, req.now);
    if (req.forSync && read.format === "text") {
      throw new UsageError(
        `${file}: plain text has no timestamps or insert ids, so counts could not be kept across runs; ` +
          "use a gcloud JSON or JSON Lines export with --repo",
      );
    }
    return {
      source: file === "-" ? "stdin" : `file ${file}`,
      entries: read.entries,
      malformed: read.malformed,
      complete: true,
      atLeast: read.entries.length,
      timeRange: req.window.explicit ? { from: req.window.from, to: req.window.to } : {},
    };
  } catch (error) {
    if (error instanceof UnreadableFileError) throw new UsageError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "EACCES") {
      throw new UsageError(`cannot read logs ${file}: ${code}`);
    }
    throw error;
  }
}

/** Writes worklog.md and worklog.json into `out`; returns the markdown and its path. */
export async function writeWorklog(
  worklog: Worklog,
  out: string,
): Promise<{ markdown: string; file: string }> {
  await mkdir(out, { recursive: true });
  const markdown = render("worklog", worklog);
  const file = path.join(out, "worklog.md");
  await writeFile(file, markdown);
  await writeFile(path.join(out, "worklog.json"), `${JSON.stringify(worklog, null, 2)}\n`);
  return { markdown, file };
}
