import { Command, CommanderError, Option } from "commander";
import { UsageError, type Io } from "./errors.js";

const defaultIo: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

function program(io: Io, setCode: (code: number) => void): Command {
  const cli = new Command("log-gardener")
    .description("Turns Google Cloud Logging noise into a short list of well-kept GitHub issues.")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError("(run log-gardener --help for usage)");

  cli
    .command("demo")
    .description("A dry run over the bundled sample logs of a staging backend (no credentials needed).")
    .option("--out <dir>", "where the worklog is written", "gardener-out")
    .option("--json", "print the worklog as JSON instead of the summary")
    .action(async (opts) => {
      const { runDemo } = await import("./run-command.js");
      setCode(await runDemo(opts, io));
    });

  cli
    .command("run")
    .description(
      "One garden pass: read logs, cluster, triage, write the worklog (and sync issues with --repo).",
    )
    .option("--config <file>", "config file (YAML), as .github/log-gardener.yml in a repo")
    .option("--logs <file>", "read an exported log file (gcloud JSON, JSON Lines or text; - for stdin)")
    .option("--project <id>", "Google Cloud project to read (overrides the config)")
    .option("--since <duration>", "how far back to read, e.g. 6h (overrides the config's window)")
    .option("--repo <owner/name>", "sync issues in this GitHub repo (GITHUB_TOKEN in the environment)")
    .addOption(new Option("--github-url <url>", "GitHub API base URL").env("GITHUB_API_URL"))
    .option("--app", "run every due repo of every installation, as the GitHub App (APP_ID, PRIVATE_KEY)")
    .option("--dry-run", "print the plan instead of writing to GitHub")
    .option("--out <dir>", "where the worklog is written", "gardener-out")
    .option("--json", "print the worklog as JSON instead of the summary")
    .action(async (opts) => {
      const { runPassCommand } = await import("./run-command.js");
      setCode(await runPassCommand(opts, io));
    });

  cli
    .command("cluster")
    .description("Cluster plain messages, one per line, into templates.")
    .argument("[file]", "input file, or - for stdin", "-")
    .option("--ids", "print exactly one cluster id per input line, in order")
    .option("--state <file>", "load known templates from this file before clustering, save them after")
    .action(async (file: string, opts) => {
      const { runClusterCommand } = await import("./cluster-command.js");
      setCode(await runClusterCommand({ file, ids: !!opts.ids, state: opts.state }, io));
    });

  cli
    .command("redact")
    .description("Redact secrets and personal data line by line: shows what would be posted.")
    .argument("[file]", "input file, or - for stdin", "-")
    .option("--config <file>", "config file whose redaction.extra patterns are used too")
    .option("--explain", "print the kind and the rule (ours or the library's) of each finding, line by line")
    .action(async (file: string, opts) => {
      const { loadConfigFile } = await import("./config-file.js");
      const { runRedactCommand } = await import("./redact-command.js");
      const config = opts.config ? await loadConfigFile(opts.config) : undefined;
      setCode(await runRedactCommand({ file, extra: config?.redaction.extra, explain: !!opts.explain }, io));
    });

  return cli;
}

/** Runs the CLI; returns the exit code: 0 success, 2 bad usage or config, 1 runtime failure. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  try {
    await program(io, (c) => (code = c)).parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`log-gardener: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`log-gardener: error: ${message}\n`);
    if (process.env.LOG_GARDENER_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
