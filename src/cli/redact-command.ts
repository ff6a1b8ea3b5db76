// `log-gardener redact [FILE|-] [--explain]`: prints the input redacted line by line, so a user can see what
// would be posted: our rules on every line, then the library detector (secretlint) on blocks of redacted lines,
// as the posting gate does. With --explain it prints, for each line with findings, the kind and the rule of
// every finding instead. Streams: memory stays flat whatever the input size. A private key spanning lines is
// redacted whole.
import { once } from "node:events";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { librarySecrets } from "../safety/library.js";
import {
  createRedactor,
  type Finding,
  type LearnedSecret,
  RedactionPatternError,
  type RedactionPattern,
} from "../safety/redact.js";
import { render } from "../templates/render.js";

export interface RedactCommandOptions {
  /** Input file; undefined or `-` reads stdin. */
  file?: string;
  /** Extra patterns, as in the config's `redaction.extra`. */
  extra?: RedactionPattern[];
  /** Print each finding's kind and rule instead of the redacted text. */
  explain?: boolean;
}

export interface RedactCommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Output is written in blocks of about this many characters. */
const FLUSH_AT = 1 << 16;
/** Lines handed to the library detector at once. */
const BLOCK_LINES = 2000;

function describeOpenError(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `log-gardener redact: no such file: ${file}`;
  if (code === "EISDIR") return `log-gardener redact: ${file} is a directory, not a file`;
  if (code === "EACCES" || code === "EPERM") return `log-gardener redact: permission denied: ${file}`;
  return `log-gardener redact: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`;
}

async function openInput(
  file: string | undefined,
  io: RedactCommandIo,
): Promise<NodeJS.ReadableStream | string> {
  if (file === undefined) return io.stdin;
  try {
    const handle = await open(file, "r");
    // Reading a directory fails only on the first read: find out now, with a clear message.
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      return describeOpenError(file, Object.assign(new Error("directory"), { code: "EISDIR" }));
    }
    return handle.createReadStream();
  } catch (error) {
    return describeOpenError(file, error);
  }
}

interface Line {
  n: number;
  text: string;
  findings: Finding[];
}

/** Replaces what the library found in a block of lines, and records it as findings of those lines. */
function applyLibrary(block: Line[], secrets: LearnedSecret[]): void {
  for (const line of block) {
    for (const s of secrets) {
      if (!line.text.includes(s.text)) continue;
      const parts = line.text.split(s.text);
      line.text = parts.join(`[REDACTED:${s.kind}]`);
      for (let i = 1; i < parts.length; i++) line.findings.push({ kind: s.kind, rule: s.rule });
    }
  }
}

function explainBlock(block: Line[]): string {
  const lines = block
    .filter((l) => l.findings.length > 0)
    .map((l) => ({
      n: l.n,
      text: l.text,
      findings: l.findings.map((f) => ({ kind: f.kind.padEnd(24), rule: f.rule })),
    }));
  return lines.length === 0 ? "" : render("redact-explain", { lines });
}

/** Redacts the input line by line to stdout. Exit code: 0 done, 2 unreadable input or bad extra pattern. */
export async function runRedactCommand(opts: RedactCommandOptions, io: RedactCommandIo): Promise<number> {
  let redactLine: (line: string) => { text: string; findings: Finding[] };
  try {
    redactLine = createRedactor(opts.extra ?? []).explainLineByLine();
  } catch (error) {
    if (!(error instanceof RedactionPatternError)) throw error;
    io.stderr.write(`log-gardener redact: ${error.message}\n`);
    return 2;
  }

  const file = opts.file === undefined || opts.file === "-" ? undefined : opts.file;
  const input = await openInput(file, io);
  if (typeof input === "string") {
    io.stderr.write(input + "\n");
    return 2;
  }

  let pending = "";
  const flush = async (): Promise<void> => {
    if (pending === "") return;
    const chunk = pending;
    pending = "";
    if (!io.stdout.write(chunk)) await once(io.stdout, "drain");
  };
  const totals = { lines: 0, ours: 0, library: 0 };
  let block: Line[] = [];
  const endBlock = async (): Promise<void> => {
    if (block.length === 0) return;
    applyLibrary(block, await librarySecrets(block.map((l) => l.text)));
    for (const l of block) {
      if (l.findings.length > 0) totals.lines++;
      for (const f of l.findings) totals[f.rule.startsWith("library:") ? "library" : "ours"]++;
    }
    pending += opts.explain ? explainBlock(block) : block.map((l) => l.text + "\n").join("");
    block = [];
    if (pending.length >= FLUSH_AT) await flush();
  };

  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      block.push({ n: ++n, ...redactLine(line) });
      if (block.length >= BLOCK_LINES) await endBlock();
    }
    await endBlock();
  } catch (error) {
    await flush();
    io.stderr.write(describeOpenError(file ?? "stdin", error) + "\n");
    return 2;
  } finally {
    lines.close();
  }
  if (opts.explain)
    pending += render("redact-explain-total", { ...totals, findings: totals.ours + totals.library });
  await flush();
  return 0;
}
