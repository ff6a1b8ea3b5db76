// The failure classes of issue 12, one small case each: messages of one pattern get one id, messages
// of different patterns get different ids. Cases are made up here (no benchmark data).
import { describe, it, expect } from "@jest/globals";
import { TemplateMiner } from "./miner.js";

function ids(messages: string[]): string[] {
  const miner = new TemplateMiner();
  const handles = messages.map((s) => miner.observe(s));
  miner.finish();
  return handles.map((h) => miner.resolve(h).id);
}

const groups = (messages: string[]) => new Set(ids(messages)).size;
const repeat = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

describe("one pattern whose messages have a varying number of tokens", () => {
  it("an optional parenthesised part", () => {
    const sent = repeat(12, (i) =>
      i % 3 === 0
        ? `${400 + i} bytes sent to peer`
        : `${2000 * i} bytes (${(2 * i).toFixed(2)} KB) sent to peer`,
    );
    expect(groups(sent)).toBe(1);
  });

  it("HTTP status texts of one or more words", () => {
    const codes = ["200 OK", "502 Bad Gateway", "404 Not Found", "500 Internal Server Error"];
    expect(groups(repeat(12, (i) => `upstream orders answered ${codes[i % 4]} after ${i}ms`))).toBe(1);
  });

  it("lists of varying length", () => {
    const lists = ["['feed']", "['feed', 'orders']", "['a', 'b', 'c']"];
    expect(groups(repeat(9, (i) => `rate limit hit for usr_${i} on channels ${lists[i % 3]}`))).toBe(1);
  });

  it("names of different shapes in one slot", () => {
    const names = ["usr_x1", "88224627", "demo-user-165", "alice.smith@example.org"];
    expect(groups(repeat(8, (i) => `user ${names[i % 4]} logged in from 10.0.0.${i}`))).toBe(1);
  });

  it("free-text reasons after a colon, when many different ones follow one prefix", () => {
    const reasons = [
      "connection reset by peer",
      "deadline exceeded after retries",
      "no healthy upstream",
      "certificate has expired",
      "too many open files in the worker process",
    ];
    expect(groups(repeat(20, (i) => `upload of part ${i} failed: ${reasons[i % 5]}`))).toBe(1);
  });

  it("free text shown as <text>, kept by a later run that sees other reasons", () => {
    const reasons = [
      "connection reset by peer",
      "deadline exceeded after retries",
      "no healthy upstream here",
      "certificate has expired now",
      "timeout",
    ];
    const first = new TemplateMiner();
    const handles = repeat(20, (i) => first.observe(`upload of part ${i} failed: ${reasons[i % 5]}`));
    first.finish();
    const { id, template } = first.resolve(handles[0]);
    expect(new Set(handles.map((h) => first.resolve(h).id))).toEqual(new Set([id]));
    expect(template).toBe("upload of part <num> failed: <text>");
    const later = new TemplateMiner(JSON.parse(JSON.stringify(first.state())));
    const next = ["disk quota reached", "refused"].map((r) => later.observe(`upload of part 7 failed: ${r}`));
    later.finish();
    expect(next.map((h) => later.resolve(h).id)).toEqual([id, id]);
  });

  it("a leading HTTP method", () => {
    const methods = ["GET", "POST", "PUT", "DELETE"];
    expect(groups(repeat(8, (i) => `${methods[i % 4]} /api/orders/${i} 200 OK ${i}ms`))).toBe(1);
  });

  it("JSON messages with the same keys in the same order", () => {
    const json = repeat(6, (i) =>
      JSON.stringify({ action: "authorize", principal: `p${i}`, granted: i % 2 === 0 }),
    );
    expect(groups(json)).toBe(1);
  });
});

describe("patterns that must stay apart", () => {
  it("event words with more than three values, each a pattern of its own", () => {
    const events = ["Started", "Paused", "Resumed", "Stopped", "Suspended"];
    const messages = repeat(
      20,
      (i) => `[instance: ${i}f2b8c1e-9a4d-4f6e-8b2a-1c3d5e7f9a0b] VM ${events[i % 5]} (Lifecycle Event)`,
    );
    const got = ids(messages);
    expect(new Set(got).size).toBe(5);
    expect(got[5]).toBe(got[0]);
  });

  it("near-duplicates that differ in one quoted value", () => {
    const messages = repeat(8, (i) => `cart ${i} checked, status: '${i % 2 ? "ok" : "timeout"}'`);
    const got = ids(messages);
    expect(new Set(got).size).toBe(2);
    expect(got[2]).toBe(got[0]);
  });

  it("a few different endings after a colon (events, not free text)", () => {
    const endings = ["disk quota reached", "bad request body"];
    expect(groups(repeat(8, (i) => `upload of part ${i} failed: ${endings[i % 2]}`))).toBe(2);
  });

  it("JSON messages with different keys", () => {
    const a = repeat(3, (i) => JSON.stringify({ ledger: "post", entries: i, balanced: true }));
    const b = repeat(3, (i) => JSON.stringify({ ledger: "post", failure: `disk ${i} full` }));
    expect(groups([...a, ...b])).toBe(2);
  });

  it("an optional part made of words is not a variable", () => {
    expect(
      groups(["PCI: Probing PCI hardware", "PCI: Probing PCI hardware now", "PCI: Probing PCI hardware"]),
    ).toBe(2);
  });
});
