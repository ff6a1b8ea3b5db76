#!/usr/bin/env node
// Development runner for `cluster` before the CLI entry is wired: node scripts/cluster-bin.mjs [FILE|-] [--ids] [--state FILE]
import { runClusterCommand } from "../lib/cli/cluster-command.js";

const args = process.argv.slice(2);
const opts = { ids: false };
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--ids") opts.ids = true;
  else if (args[i] === "--state") opts.state = args[++i];
  else opts.file = args[i];
}
process.exitCode = await runClusterCommand(opts, process);
