import { describe, it, expect, beforeAll } from "@jest/globals";
import { PassThrough, Readable } from "node:stream";
import { ownThreadMaskers, runClusterCommand, type BlockMaskers } from "../cli/cluster-command.js";
import { TemplateMiner } from "./miner.js";
import { cloudCorpusLines } from "../../test/cloud-corpus.js";

// The `cluster` command takes shortcuts (a byte-level line cache, an exact-message cache, scanners and
// pre-tests in front of the mask rules). Whatever the input, it must print what the plain algorithm
// prints: every line masked by every rule's regular expression, in order, and observed one by one.

/** Seeded random numbers (mulberry32). */
function random(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), t | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines built from pieces that the mask rules and the miner care about, many of them repeating. */
function variedLines(count: number, seed: number): string[] {
  const rand = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const n = () => String(Math.floor(rand() * 10 ** (1 + Math.floor(rand() * 6))));
  const hex = () => Math.floor(rand() * 2 ** 32).toString(16);
  const word = () => pick(["alpha", "beta", "GAMMA", "delta", "id", "Id", "usr", "KB", "OK", "Jan", "eyJ"]);
  const pieces: Array<() => string> = [
    () => `job ${n()} done in ${n()}ms`,
    () => `user_id=${word()}${n()} requestId: ${hex()} ids=${n()},${n()}`,
    () => `GET /api/v${n()}/items/${n()}?q=${word()} 200 OK`,
    () => `POST https://svc.example.com/orders/${n()} 502 Bad Gateway`,
    () => `from ${n()}.${n()}.${n()}.${n()}:${n()} at 2026-11-2${n().slice(0, 1)}T10:0${n().slice(0, 1)}:00Z`,
    () => `0x${hex()} ${hex()}${hex()} ${n()}${word()} ${word()}-${n()}`,
    () => `mail ${word()}.${n()}@example.com uuid 123e4567-e89b-12d3-a456-${hex()}${hex()}`.slice(0, 90),
    () => `{"user": "${word()}${n()}", "ok": ${rand() < 0.5}, "n": ${n()}}`,
    () => `channels ['${word()}', '${word()}'] list [${n()}, ${n()}, ${n()}]`,
    () => `failed: "${word()} ${word()}" and '${word()} ${n()}' on C:\\tmp\\${word()}${n()}`,
    () => `Mon, Jan ${n()}, ${n()} ${n()}:${n()}:${n()} ${word()}`,
    () => `token eyJ${hex()}.${hex()}.${hex()} at /var/log/${word()}/${n()}.log`,
    () => `stored as ${pick(["bytes", "values", "rows"])} block ${n()}`,
    () => `VM ${pick(["Started", "Paused", "Resumed", "Stopped", "Deleted", "Created"])} ${n()}`,
    () => `<num> <num> Jan <num> literally, and <id> ${n()} ${n()}`,
    () => `spaces\u00a0${n()}\v${word()}\u2003${n()}\ttab \u00e9t\u00e9 ${n()} \u{1F642}${n()}`,
    () => `${word()} ${"x y ".repeat(150)} ${n()} ${hex()}`,
    () => `${word()} `.repeat(40 + Math.floor(rand() * 40)) + n(),
    () => `${"z1 ".repeat(700)} ${n()}`,
    () => "",
  ];
  const lines: string[] = [];
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    // a third repeat an earlier line exactly, a third are made again from the same piece
    const r = rand();
    if (r < 0.33 && seen.length > 0) lines.push(pick(seen));
    else {
      const line = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => pick(pieces)()).join(" ");
      lines.push(line);
      seen.push(line);
    }
  }
  return lines;
}

/**
 * The command's output for `input`, read in blocks of `block` bytes (cut anywhere, inside a line or a
 * character), masked on this thread or by `maskers` as on worker threads.
 */
async function viaCommand(
  input: string,
  ids: boolean,
  block = 1 << 20,
  maskers?: BlockMaskers | (() => BlockMaskers),
  decideAfter?: number,
): Promise<string> {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  const bytes = Buffer.from(input);
  const blocks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += block) blocks.push(bytes.subarray(at, at + block));
  const code = await runClusterCommand(
    { ids, maskers, decideAfter },
    { stdin: Readable.from(blocks), stdout, stderr: new PassThrough() },
  );
  expect(code).toBe(0);
  return out;
}

/** The plain algorithm: every rule's regular expression, no cache, one line after the other. */
function reference(lines: readonly string[]): { ids: string[]; rows: string[] } {
  const miner = new TemplateMiner(undefined, { referenceMasks: true, exactCache: 0 });
  const handles = lines.map((line) => miner.observe(line));
  miner.finish();
  const ids = handles.map((h) => miner.resolve(h).id);
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const rows = [...counts].map(([id, n]) => `${n} ${id} ${(miner.template(id) ?? "").replace(/\n/g, "\\n")}`);
  return { ids, rows: rows.sort() };
}

/** The table the command prints, as `count id template` rows, sorted. */
function tableRows(table: string): string[] {
  return table
    .trimEnd()
    .split("\n")
    .slice(1)
    .map((row) => {
      const m = /^\s*(\d+)\s+([0-9a-f]+)\s+(.*)$/.exec(row);
      expect(m).not.toBeNull();
      return `${m![1]} ${m![2]} ${m![3]}`;
    })
    .sort();
}

let corpus: string[] = [];
beforeAll(() => {
  corpus = cloudCorpusLines(4000, 5);
});

describe("the cluster command's shortcuts", () => {
  it.each([
    ["made from pieces the rules care about", () => variedLines(12_000, 3)],
    [
      "of the Cloud-Logging-style corpus, each line four times",
      () => [...corpus, ...corpus, ...corpus, ...corpus],
    ],
    ["mixed, with Windows line ends", () => [...variedLines(3_000, 4), ...corpus.slice(0, 3_000)]],
  ])("print the ids and templates of the plain algorithm, byte for byte, on lines %s", async (_, make) => {
    const lines = make();
    const crlf = _.includes("Windows");
    const input = lines.map((l) => l + (crlf ? "\r\n" : "\n")).join("");
    expect(input.startsWith("{") || input.startsWith("[")).toBe(false);
    const want = reference(lines);
    expect(new Set(want.ids).size).toBeGreaterThan(20);
    expect((await viaCommand(input, true)).split("\n").slice(0, -1)).toEqual(want.ids);
    expect(tableRows(await viaCommand(input, false))).toEqual(want.rows);
    // read in small blocks; masked by three maskers that each forget their keys every 50 keys
    expect((await viaCommand(input, true, 4099)).split("\n").slice(0, -1)).toEqual(want.ids);
    const threads = ownThreadMaskers(3, 50);
    let resets = 0;
    const counted: BlockMaskers = {
      maskers: threads.maskers.map((mask) => async (block: ArrayBuffer) => {
        const masked = await mask(block);
        if (masked.reset) resets++;
        return masked;
      }),
      close: threads.close,
    };
    expect((await viaCommand(input, true, 4099, counted)).split("\n").slice(0, -1)).toEqual(want.ids);
    expect(resets).toBeGreaterThan(2);
    expect(tableRows(await viaCommand(input, false, 65536, ownThreadMaskers(2)))).toEqual(want.rows);
    // on one thread first, then on three maskers once 5,000 lines are read (when most did not repeat)
    let masked = 0;
    const later = () => {
      const { maskers, close } = ownThreadMaskers(3, 50);
      return { maskers: maskers.map((m) => (block: ArrayBuffer) => (masked++, m(block))), close };
    };
    const switched = await viaCommand(input, true, 4099, later, 5000);
    expect(switched.split("\n").slice(0, -1)).toEqual(want.ids);
    expect(masked).toBeGreaterThan(0);
  });
});
