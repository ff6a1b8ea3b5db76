import { describe, it, expect } from "@jest/globals";
import { TemplateMiner, type MinerState } from "./miner.js";

const roundTrip = (state: MinerState): MinerState => JSON.parse(JSON.stringify(state)) as MinerState;

describe("TemplateMiner", () => {
  it("groups messages that differ only in masked values", () => {
    const m = new TemplateMiner();
    const a = m.add("Session access failed (middleware not installed?): sess_83ab12");
    const b = m.add("Session access failed (middleware not installed?): sess_99ff01");
    expect(b.id).toBe(a.id);
    expect(m.template(a.id)).toBe("Session access failed (middleware not installed?): <*>");
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
        { id: "bbbbbbbbbbbb", template: "Session access failed (middleware not installed?): <*>" },
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
