// `log-gardener redact [FILE|-]`: prints the input redacted line by line, so a user can see what would be
// posted. Streams: memory stays flat whatever the input size. A private key spanning lines is redacted whole.
import { once } from "node:events";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { createRedactor, RedactionPatternError, type RedactionPattern } from "../safety/redact.js";

export interface RedactCommandOptions {
  /** Input file; undefined or `-` reads stdin. */
  file?: string;
  /** Extra patterns, as in the config's `redaction.extra`. */
  extra?: RedactionPattern[];
}

export interface RedactCommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Output is written in blocks of about this many characters. */
const FLUSH_AT = 1 << 16;

function describeOpenError(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `log-gardener redact: no such file: ${file}`;
  if (code === "EISDIR") return `log-gardener redact: ${file} is a directory, not a file`;
  if (code === "EACCES" || code === "EPERM") return `log-gardener redact: permission denied: ${file}`;
  return `log-gardener redact: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`;
}

/** Redacts the input line by line to stdout. Exit code: 0 done, 2 unreadable input or bad extra pattern. */
export async function runRedactCommand(opts: RedactCommandOptions, io: RedactCommandIo): Promise<number> {
  let redactLine: (line: string) => string;
  try {
    redactLine = createRedactor(opts.extra ?? []).lineByLine();
  } catch (error) {
    if (!(error instanceof RedactionPatternError)) throw error;
    io.stderr.write(`log-gardener redact: ${error.message}\n`);
    return 2;
  }

  let input: NodeJS.ReadableStream = io.stdin;
  const file = opts.file === undefined || opts.file === "-" ? undefined : opts.file;
  if (file !== undefined) {
    try {
      const handle = await open(file, "r");
      // Reading a directory fails only on the first read: find out now, with a clear message.
      if ((await handle.stat()).isDirectory()) {
        await handle.close();
        io.stderr.write(
          describeOpenError(file, Object.assign(new Error("directory"), { code: "EISDIR" })) + "\n",
        );
        return 2;
      }
      input = handle.createReadStream();
    } catch (error) {
      io.stderr.write(describeOpenError(file, error) + "\n");
      return 2;
    }
  }

  let pending = "";
  const flush = async (): Promise<void> => {
    if (pending === "") return;
    const chunk = pending;
    pending = "";
    if (!io.stdout.write(chunk)) await once(io.stdout, "drain");
  };

  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      pending += redactLine(line) + "\n";
      if (pending.length >= FLUSH_AT) await flush();
    }
  } catch (error) {
    await flush();
    io.stderr.write(describeOpenError(file ?? "stdin", error) + "\n");
    return 2;
  } finally {
    lines.close();
  }
  await flush();
  return 0;
}
