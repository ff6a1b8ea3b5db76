import { describe, it, expect } from "@jest/globals";
import { TemplateMiner, type MinerState } from "./miner.js";

const roundTrip = (state: MinerState): MinerState => JSON.parse(JSON.stringify(state)) as MinerState;

describe("TemplateMiner", () => {
  it("groups messages that differ only in masked values", () => {
    const m = new TemplateMiner();
    const a = m.add("Session access failed (middleware not installed?): sess_83ab12");
    const b = m.add("Session access failed (middleware not installed?): sess_99ff01");
    expect(b.id).toBe(a.id);
    expect(m.template(a.id)).toBe("Session access failed (middleware not installed?): <id>");
  });

  it("generalises a word that varies and keeps the id of the first template", () => {
    const m = new TemplateMiner();
    const first = m.add("session closed for user alice");
    expect(first.template).toBe("session closed for user alice");
    const second = m.add("session closed for user bob");
    expect(second.id).toBe(first.id);
    expect(m.template(first.id)).toBe("session closed for user <*>");
    expect(m.add("session closed for user carol").id).toBe(first.id);
  });

  it("keeps different messages apart", () => {
    const m = new TemplateMiner();
    const ids = new Set(
      [
        "Link error",
        "Link ok",
        "job finished in 3 ms",
        "job failed after 3 ms",
        "task moved from RUNNING to FAILED",
        "task moved from RUNNING to SUCCEEDED",
        "cache warmed with 10 entries",
      ].map((s) => m.add(s).id),
    );
    expect(ids.size).toBe(7);
  });

  it("clusters stack traces by shape whatever their variable text", () => {
    const m = new TemplateMiner();
    const trace = (n: number) =>
      `Unhandled error\njava.lang.NullPointerException: field ${n}\n\tat a.b.C.run(C.java:${n})\n\tat a.b.D.main(D.java:3)`;
    const id = m.add(trace(1)).id;
    expect(m.add(trace(250)).id).toBe(id);
    expect(
      m.add(`Unhandled error\njava.lang.IllegalArgumentException: x\n\tat a.b.C.run(C.java:1)`).id,
    ).not.toBe(id);
  });

  it("maps the same messages to the same ids after a state round trip", () => {
    const messages = [
      "worker 3 started",
      "worker 4 started",
      "login failed for user dave from 10.0.0.8",
      "login failed for user erin from 10.0.0.9",
      "disk /dev/sda1 at 91% capacity",
    ];
    const one = new TemplateMiner();
    const ids = messages.map((s) => one.add(s).id);
    const two = new TemplateMiner(roundTrip(one.state()));
    expect(messages.map((s) => two.add(s).id)).toEqual(ids);
    expect(two.state().templates.map((t) => t.template)).toEqual(
      one.state().templates.map((t) => t.template),
    );
  });

  it("keeps the id when a pattern first seen with one value later shows many, across runs", () => {
    const first = new TemplateMiner();
    const id = first.add("cache miss for tenant acme").id;
    const later = new TemplateMiner(roundTrip(first.state()));
    for (const tenant of ["globex", "initech", "umbrella", "hooli"]) {
      expect(later.add(`cache miss for tenant ${tenant}`).id).toBe(id);
    }
    expect(later.template(id)).toBe("cache miss for tenant <*>");
  });

  it("matches messages against templates seeded from {id, template} pairs only", () => {
    const m = new TemplateMiner({
      version: 1,
      templates: [
        { id: "aaaaaaaaaaaa", template: "USER AUTO-CREATED: Created user <*> from JWT=<*>" },
        { id: "bbbbbbbbbbbb", template: "Session access failed (middleware not installed?): <id>" },
      ],
    });
    expect(m.add("USER AUTO-CREATED: Created user 10812417 from JWT=eyJhbGciOi.eyJzdWIi.sig").id).toBe(
      "aaaaaaaaaaaa",
    );
    expect(m.add("Session access failed (middleware not installed?): 'abc123'").id).toBe("bbbbbbbbbbbb");
    expect(m.add("something new entirely").id).toMatch(/^[0-9a-f]{12}$/);
  });

  it("gives the same first shape the same id in separate runs", () => {
    expect(new TemplateMiner().add("queue depth 12").id).toBe(new TemplateMiner().add("queue depth 99").id);
  });

  it("gives the same answers with and without the exact-repeat cache", () => {
    const messages = ["a 1", "a 2", "b x y", "b x z", "a 1", "b x y"];
    const cached = new TemplateMiner();
    const plain = new TemplateMiner(undefined, { exactCache: 0 });
    expect(messages.map((s) => cached.add(s).id)).toEqual(messages.map((s) => plain.add(s).id));
  });

  it("keeps memory bounded by clusters: repeated shapes add no templates", () => {
    const m = new TemplateMiner(undefined, { exactCache: 16 });
    for (let i = 0; i < 5000; i++) m.add(`request ${i} served in ${i % 97} ms`);
    expect(m.state().templates).toHaveLength(1);
    expect(m.state().templates[0].count).toBe(5000);
  });
});

/** Observes all messages, finishes, and returns the final id of each. */
function twoPhase(m: TemplateMiner, messages: string[]): string[] {
  const handles = messages.map((s) => m.observe(s));
  m.finish();
  return handles.map((h) => m.resolve(h).id);
}

const stored = (kind: string, n: number) => `block rdd_${n} stored as ${kind} in memory`;

describe("TemplateMiner split on event words", () => {
  it("splits a slot that took a few words, each seen repeatedly, into templates of their own", () => {
    const m = new TemplateMiner();
    const messages = [stored("bytes", 1), stored("bytes", 2), stored("values", 3), stored("bytes", 4)];
    messages.push(stored("values", 5));
    const ids = twoPhase(m, messages);
    expect(new Set(ids).size).toBe(2);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(ids[4]).toBe(ids[2]);
    expect(m.template(ids[0])).toBe("block <id> stored as bytes in memory");
    expect(m.template(ids[2])).toBe("block <id> stored as values in memory");
  });

  it("keeps the first word's template id, and the split ids are the same in another run", () => {
    const messages = [stored("bytes", 1), stored("bytes", 2), stored("values", 3), stored("values", 4)];
    const oneByOne = new TemplateMiner().add(stored("bytes", 9)).id;
    const a = twoPhase(new TemplateMiner(), messages);
    const b = twoPhase(new TemplateMiner(), messages);
    expect(a).toEqual(b);
    expect(a[0]).toBe(oneByOne);
  });

  it("does not split on a word seen once", () => {
    const ids = twoPhase(new TemplateMiner(), [
      "session closed for user alice",
      "session closed for user alice",
      "session closed for user bob",
    ]);
    expect(new Set(ids).size).toBe(1);
  });

  it("does not split a slot with many distinct words, however often each is seen", () => {
    const users = ["alice", "bob", "carol", "dave", "erin", "frank"];
    const ids = twoPhase(
      new TemplateMiner(),
      [...users, ...users, ...users].map((u) => `session closed for user ${u}`),
    );
    expect(new Set(ids).size).toBe(1);
  });

  it("does not split a slot that also held a masked value", () => {
    const ids = twoPhase(new TemplateMiner(), [
      "lookup for host alpha failed",
      "lookup for host alpha failed",
      "lookup for host beta failed",
      "lookup for host beta failed",
      "lookup for host node7 failed",
    ]);
    expect(new Set(ids).size).toBe(1);
  });

  it("does not split on a unit after a number", () => {
    const ids = twoPhase(new TemplateMiner(), [
      "flush took 12 ms in total",
      "flush took 30 ms in total",
      "flush took 2 seconds in total",
      "flush took 5 seconds in total",
    ]);
    expect(new Set(ids).size).toBe(1);
  });

  it("splits only once the input is finished; add() and resolve() before finish() agree", () => {
    const messages = [stored("bytes", 1), stored("values", 2), stored("bytes", 3), stored("values", 4)];
    const plain = new TemplateMiner();
    const added = messages.map((s) => plain.add(s).id);
    expect(new Set(added).size).toBe(1);
    const m = new TemplateMiner();
    const handles = messages.map((s) => m.observe(s));
    expect(handles.map((h) => m.resolve(h).id)).toEqual(added);
    m.finish();
    expect(new Set(handles.map((h) => m.resolve(h).id)).size).toBe(2);
    expect(() => m.resolve(12345)).toThrow(RangeError);
  });

  it("hands out few handles for many messages (memory bounded by templates)", () => {
    const m = new TemplateMiner(undefined, { exactCache: 16 });
    const handles = new Set<number>();
    for (let i = 0; i < 5000; i++) handles.add(m.observe(`request ${i} served in ${i % 97} ms`));
    for (let i = 0; i < 5000; i++) handles.add(m.observe(`request ${i} was a ${i % 2 ? "read" : "write"}`));
    expect(handles.size).toBeLessThanOrEqual(3);
    m.finish();
    expect(m.state().templates).toHaveLength(3);
  });

  it("gives the same answers with and without the exact-repeat cache", () => {
    const messages = [stored("bytes", 1), stored("values", 2), stored("bytes", 1), stored("values", 2)];
    expect(twoPhase(new TemplateMiner(), messages)).toEqual(
      twoPhase(new TemplateMiner(undefined, { exactCache: 0 }), messages),
    );
  });
});

describe("TemplateMiner split templates across runs", () => {
  const first = [stored("bytes", 1), stored("bytes", 2), stored("values", 3), stored("values", 4)];

  it("saves split templates with their ids and sends later messages to the matching one", () => {
    const one = new TemplateMiner();
    const ids = twoPhase(one, first);
    const two = new TemplateMiner(roundTrip(one.state()));
    expect(twoPhase(two, [stored("values", 7), stored("bytes", 8), stored("bytes", 9)])).toEqual([
      ids[2],
      ids[0],
      ids[0],
    ]);
    expect(two.template(ids[0])).toBe("block <id> stored as bytes in memory");
    expect(two.template(ids[2])).toBe("block <id> stored as values in memory");
  });

  it("keeps a split slot split: a new word neither joins nor generalises the split templates", () => {
    const one = new TemplateMiner();
    const ids = twoPhase(one, first);
    const two = new TemplateMiner(roundTrip(one.state()));
    const later = twoPhase(two, [stored("blocks", 5), stored("bytes", 6)]);
    expect(later[0]).not.toBe(ids[0]);
    expect(later[0]).not.toBe(ids[2]);
    expect(later[1]).toBe(ids[0]);
    expect(two.template(ids[0])).toBe("block <id> stored as bytes in memory");
  });

  it("matches split templates seeded from {id, template} pairs only (the issue sync)", () => {
    const m = new TemplateMiner({
      version: 1,
      templates: [
        { id: "aaaaaaaaaaaa", template: "block <id> stored as <*> in memory" },
        { id: "bbbbbbbbbbbb", template: "block <id> stored as bytes in memory" },
        { id: "cccccccccccc", template: "block <id> stored as values in memory" },
      ],
    });
    expect(twoPhase(m, [stored("values", 1), stored("bytes", 2), stored("blocks", 3)])).toEqual([
      "cccccccccccc",
      "bbbbbbbbbbbb",
      "aaaaaaaaaaaa",
    ]);
    const n = new TemplateMiner({
      version: 1,
      templates: [
        { id: "bbbbbbbbbbbb", template: "block <id> stored as bytes in memory" },
        { id: "cccccccccccc", template: "block <id> stored as values in memory" },
      ],
    });
    const ids = twoPhase(n, [stored("blocks", 3), stored("values", 1)]);
    expect(ids[0]).not.toMatch(/^(b|c)+$/);
    expect(ids[1]).toBe("cccccccccccc");
    expect(n.template("cccccccccccc")).toBe("block <id> stored as values in memory");
  });

  it("splits a pattern first seen with one word when another recurs in a later run, keeping its id", () => {
    const one = new TemplateMiner();
    const [id] = twoPhase(one, [stored("bytes", 1), stored("bytes", 2)]);
    expect(one.template(id)).toBe("block <id> stored as bytes in memory");
    const two = new TemplateMiner(roundTrip(one.state()));
    const ids = twoPhase(two, [stored("values", 3), stored("bytes", 4), stored("values", 5)]);
    expect(ids[1]).toBe(id);
    expect(ids[0]).not.toBe(id);
    expect(ids[2]).toBe(ids[0]);
  });

  it("carries the words of an undecided slot to the next run, which may then split it", () => {
    const one = new TemplateMiner();
    const [id] = twoPhase(one, [stored("bytes", 1), stored("bytes", 2), stored("values", 3)]);
    const saved = roundTrip(one.state());
    expect(saved.templates).toHaveLength(1);
    expect(saved.templates[0].template).toBe("block <id> stored as <*> in memory");
    expect(saved.templates[0].slots).toEqual({ "4": { bytes: 2, values: 1 } });
    const two = new TemplateMiner(saved);
    const ids = twoPhase(two, [stored("values", 4), stored("bytes", 5)]);
    expect(ids[1]).toBe(id);
    expect(ids[0]).not.toBe(id);
    expect(
      two
        .state()
        .templates.map((t) => t.template)
        .sort(),
    ).toEqual(["block <id> stored as bytes in memory", "block <id> stored as values in memory"]);
  });

  it("treats a variable slot seeded without its words as a variable for good", () => {
    const m = new TemplateMiner({
      version: 1,
      templates: [{ id: "aaaaaaaaaaaa", template: "block <id> stored as <*> in memory" }],
    });
    const ids = twoPhase(m, [
      stored("bytes", 1),
      stored("bytes", 2),
      stored("values", 3),
      stored("values", 4),
    ]);
    expect(new Set(ids)).toEqual(new Set(["aaaaaaaaaaaa"]));
  });
});

describe("TemplateMiner exact-message cache", () => {
  it("gives the same ids whether the cache is used, paused for unique lines, or off", () => {
    const words = ["started", "finished"];
    const messages = [
      ...Array.from({ length: 70_000 }, (_, i) => `job ${words[i % 2]} in ${i} ms for run r${i}`),
      ...Array.from({ length: 5_000 }, (_, i) => `job ${words[i % 2]} in 5 ms for run r1`),
    ];
    const ids = (miner: TemplateMiner) => {
      const handles = messages.map((m) => miner.observe(m));
      miner.finish();
      return handles.map((h) => miner.resolve(h).id);
    };
    const cached = ids(new TemplateMiner());
    expect(ids(new TemplateMiner(undefined, { exactCache: 0 }))).toEqual(cached);
    expect(new Set(cached).size).toBe(2); // "started" and "finished" are event words: split
  });
});
