// `log-gardener cluster [FILE|-] [--ids] [--state FILE]`: clusters plain messages, one per line, or Cloud
// Logging entries (a gcloud JSON array or JSON Lines, detected as `run --logs` detects them), which are
// grouped exactly as a pass groups them: per service and identity, stack traces by their shape.
// Kept free of heavy imports (no probot, no Google clients) so that it starts fast.
import { createReadStream, fstatSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { clusterEntries } from "../cluster/aggregate.js";
import { LineCache } from "../cluster/line-cache.js";
import { TemplateMiner, type MinerState } from "../cluster/miner.js";
import { parseLogText, UnreadableFileError, type MalformedRecord } from "../entries/file-source.js";
import type { LogEntry } from "../entries/log-entry.js";

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

/**
 * Calls `onLine` for each line of the input as a byte range of a buffer (without its `\n` and a trailing
 * `\r`); a line that spans two chunks is joined first.
 */
async function forEachLine(
  input: AsyncIterable<Buffer | string>,
  onLine: (buf: Buffer, start: number, end: number) => void,
): Promise<void> {
  let rest: Buffer | undefined;
  const line = (buf: Buffer, start: number, end: number) =>
    onLine(buf, start, end > start && buf[end - 1] === 13 ? end - 1 : end);
  for await (const chunk of input) {
    let buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (rest !== undefined) {
      buf = Buffer.concat([rest, buf]);
      rest = undefined;
    }
    let start = 0;
    let nl = buf.indexOf(10, start);
    while (nl >= 0) {
      line(buf, start, nl);
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    if (start < buf.length) rest = buf.subarray(start);
  }
  if (rest !== undefined && !(rest.length === 1 && rest[0] === 13)) line(rest, 0, rest.length);
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

    const chunks = peekable(input as AsyncIterable<Buffer | string>);
    const head = await chunks.peek();
    if (head !== undefined && /^\s*[[{]/.test(head)) {
      const text = await readText(chunks);
      const entries = entriesOf(text, opts.file ?? "-");
      if (entries !== undefined) {
        await clusterLogEntries(entries, state, opts, io);
        return 0;
      }
      return await clusterLines(miner, Readable.from([text]), opts, io);
    }
    return await clusterLines(miner, chunks, opts, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`log-gardener cluster: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`log-gardener cluster: ${(err as Error).message}\n`);
    return 1;
  }
}

/** An async iterable whose first chunk can be looked at before iterating (as text). */
function peekable(input: AsyncIterable<Buffer | string>) {
  const iterator = input[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer | string> | undefined;
  return {
    async peek(): Promise<string | undefined> {
      first ??= await iterator.next();
      if (first.done) return undefined;
      const v = first.value;
      return typeof v === "string" ? v.slice(0, 256) : v.subarray(0, 256).toString("utf8");
    },
    async *[Symbol.asyncIterator]() {
      if (first !== undefined) {
        if (first.done) return;
        yield first.value;
      }
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    },
  };
}

async function readText(input: AsyncIterable<Buffer | string>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of input) parts.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts).toString("utf8");
}

/**
 * The entries of a gcloud JSON array or JSON Lines text, or undefined when the text is not one (plain
 * messages that happen to start with `[` or `{`: then each line is a message).
 */
function entriesOf(text: string, where: string): Array<LogEntry | MalformedRecord> | undefined {
  let parsed;
  try {
    parsed = parseLogText(text, where, EPOCH);
  } catch (err) {
    if (err instanceof UnreadableFileError) return undefined;
    throw err;
  }
  if (parsed.format === "json-lines" && parsed.entries.length === 0) return undefined;
  // one id per input record, in order: malformed records keep their place
  const records: Array<LogEntry | MalformedRecord> = [...parsed.entries];
  for (const bad of parsed.malformed) {
    const at = recordIndex(bad.where);
    records.splice(Math.min(at, records.length), 0, bad);
  }
  return records;
}

/** Position of a malformed record among all records, from `file:LINE` or `file[INDEX]`. */
function recordIndex(where: string): number {
  const m = /(?:\[(\d+)\]|:(\d+))$/.exec(where);
  return m ? Number(m[1] ?? Number(m[2]) - 1) : Number.MAX_SAFE_INTEGER;
}

/** Plain text lines carry no time; entries without one get this fixed instant (ids never depend on it). */
const EPOCH = new Date(0);

async function clusterLogEntries(
  records: Array<LogEntry | MalformedRecord>,
  state: MinerState | undefined,
  opts: ClusterCommandOptions,
  io: ClusterCommandIo,
): Promise<void> {
  const entries = records.filter((r): r is LogEntry => "message" in r);
  const { clusters, assigned, minerState } = clusterEntries(entries, { samples: 1, minerState: state });
  const malformed = records.length - entries.length;
  if (malformed > 0) io.stderr.write(`log-gardener cluster: ${malformed} malformed record(s) skipped\n`);
  if (opts.ids) {
    let out = "";
    let next = 0;
    for (const record of records) out += ("message" in record ? assigned[next++] : "malformed") + "\n";
    await write(io.stdout, out);
  } else {
    const rows = clusters
      .map((c) => ({ n: c.count, id: c.fingerprint, text: `${c.service ?? "-"}  ${c.template}` }))
      .sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1));
    await write(io.stdout, table(rows));
  }
  if (opts.state !== undefined) await saveState(opts.state, minerState);
}

function table(rows: Array<{ n: number; id: string; text: string }>): string {
  const width = Math.max(5, ...rows.map((r) => String(r.n).length));
  let text = `${"COUNT".padStart(width)}  ${"ID".padEnd(12)}  TEMPLATE\n`;
  for (const r of rows) {
    text += `${String(r.n).padStart(width)}  ${r.id.padEnd(12)}  ${r.text.replace(/\n/g, "\\n")}\n`;
  }
  return text;
}

async function clusterLines(
  miner: TemplateMiner,
  input: AsyncIterable<Buffer | string>,
  opts: ClusterCommandOptions,
  io: ClusterCommandIo,
): Promise<number> {
  // Every line is observed first; templates are final only once the whole input is seen (`finish`).
  // With --ids one 32-bit handle is kept per line and each line's id printed, in order, afterwards;
  // the table only needs a count per handle (handles are few: bounded by the templates).
  let handles = new Uint32Array(opts.ids ? 1 << 16 : 0);
  let lines = 0;
  const perHandle: number[] = [];
  const cache = new LineCache();
  await forEachLine(input, (buf, start, end) => {
    let handle = cache.lookup(buf, start, end);
    if (handle >= 0) miner.repeat(handle);
    else {
      handle = miner.observe(buf.toString("utf8", start, end));
      cache.store(buf, start, end, handle);
    }
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
    const idOf: string[] = [];
    let out = "";
    for (let i = 0; i < lines; i++) {
      const h = handles[i];
      out += idOf[h] ??= miner.resolve(h).id + "\n";
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
    const rows = [...counts].map(([id, n]) => ({ n, id, text: miner.template(id) ?? "" }));
    rows.sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1));
    await write(io.stdout, table(rows));
  }

  if (opts.state !== undefined) await saveState(opts.state, miner.state());
  return 0;
}
