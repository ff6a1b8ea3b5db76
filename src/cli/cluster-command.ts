// `log-gardener cluster [FILE|-] [--ids] [--state FILE]`: clusters plain messages, one per line.
// Kept free of heavy imports (no probot, no Google clients) so that it starts fast.
import { createReadStream, fstatSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { TemplateMiner, type MinerState } from "../cluster/miner.js";

export interface ClusterCommandOptions {
  file?: string;
  ids: boolean;
  state?: string;
}

export interface ClusterCommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

class UsageError extends Error {}

/** Output is flushed in blocks of about this many characters. */
const FLUSH_AT = 1 << 20;
/** Input is read in blocks of this many bytes. */
const READ_BLOCK = 1 << 20;

function parseState(text: string, path: string): MinerState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`state file ${path} is not valid JSON`);
  }
  const v = value as { version?: unknown; templates?: unknown };
  if (typeof v !== "object" || v === null || v.version !== 1 || !Array.isArray(v.templates)) {
    throw new UsageError(
      `state file ${path} is not a cluster state (expected {"version":1,"templates":[...]})`,
    );
  }
  for (const t of v.templates as unknown[]) {
    const e = t as { id?: unknown; template?: unknown; count?: unknown };
    if (
      typeof e !== "object" ||
      e === null ||
      typeof e.id !== "string" ||
      typeof e.template !== "string" ||
      (e.count !== undefined && typeof e.count !== "number")
    ) {
      throw new UsageError(`state file ${path} has a template entry without a string id and template`);
    }
  }
  return value as MinerState;
}

function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}

async function loadState(path: string): Promise<MinerState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(`cannot read state file ${path}: ${(err as Error).message}`);
  }
  return parseState(text, path);
}

async function saveState(path: string, state: MinerState): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state) + "\n", "utf8");
  await rename(tmp, path);
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** Calls `onLine` for each line of the input (without its `\n` and a trailing `\r`). */
async function forEachLine(input: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const text = rest + (typeof chunk === "string" ? chunk : decoder.write(chunk));
    let start = 0;
    let nl = text.indexOf("\n");
    while (nl >= 0) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      onLine(text.slice(start, end));
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest.endsWith("\r")) rest = rest.slice(0, -1);
  if (rest !== "") onLine(rest);
}

export async function runClusterCommand(opts: ClusterCommandOptions, io: ClusterCommandIo): Promise<number> {
  try {
    const state = opts.state === undefined ? undefined : await loadState(opts.state);
    const miner = new TemplateMiner(state);
    const fromStdin = opts.file === undefined || opts.file === "-";
    // The process's own stdin is read in large blocks straight from its descriptor (much faster than
    // the default 64 KiB stream for a million lines); any other stream (tests) is read as it is.
    const input = !fromStdin
      ? createReadStream(opts.file as string, { highWaterMark: READ_BLOCK })
      : io.stdin === process.stdin && stdinIsFile()
        ? createReadStream("", { fd: 0, highWaterMark: READ_BLOCK, autoClose: false })
        : io.stdin;
    if (!fromStdin) {
      const fileStream = input as ReturnType<typeof createReadStream>;
      await new Promise<void>((resolve, reject) => {
        fileStream.once("open", () => resolve());
        fileStream.once("error", (err: NodeJS.ErrnoException) =>
          reject(
            new UsageError(
              `cannot read ${opts.file}: ${err.code === "ENOENT" ? "no such file" : err.message}`,
            ),
          ),
        );
      });
    }

    // Every line is observed first; templates are final only once the whole input is seen (`finish`).
    // With --ids one 32-bit handle is kept per line and each line's id printed, in order, afterwards;
    // the table only needs a count per handle (handles are few: bounded by the templates).
    let handles = new Uint32Array(opts.ids ? 1 << 16 : 0);
    let lines = 0;
    const perHandle: number[] = [];
    await forEachLine(input, (line) => {
      const handle = miner.observe(line);
      if (!opts.ids) {
        perHandle[handle] = (perHandle[handle] ?? 0) + 1;
        return;
      }
      if (lines === handles.length) {
        const grown = new Uint32Array(handles.length * 2);
        grown.set(handles);
        handles = grown;
      }
      handles[lines++] = handle;
    });
    miner.finish();

    if (opts.ids) {
      let out = "";
      for (let i = 0; i < lines; i++) {
        out += miner.resolve(handles[i]).id + "\n";
        if (out.length >= FLUSH_AT) {
          await write(io.stdout, out);
          out = "";
        }
      }
      if (out !== "") await write(io.stdout, out);
    } else {
      const counts = new Map<string, number>();
      perHandle.forEach((n, handle) => {
        const id = miner.resolve(handle).id;
        counts.set(id, (counts.get(id) ?? 0) + n);
      });
      const rows = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const width = Math.max(5, ...rows.map(([, n]) => String(n).length));
      let text = `${"COUNT".padStart(width)}  ${"ID".padEnd(12)}  TEMPLATE\n`;
      for (const [id, n] of rows) {
        const template = (miner.template(id) ?? "").replace(/\n/g, "\\n");
        text += `${String(n).padStart(width)}  ${id.padEnd(12)}  ${template}\n`;
      }
      await write(io.stdout, text);
    }

    if (opts.state !== undefined) await saveState(opts.state, miner.state());
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`log-gardener cluster: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`log-gardener cluster: ${(err as Error).message}\n`);
    return 1;
  }
}
