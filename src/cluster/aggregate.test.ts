import { describe, it, expect } from "@jest/globals";
import type { LogEntry } from "../entries/log-entry.js";
import { clusterEntries } from "./aggregate.js";

const entry = (message: string, second: number): LogEntry => ({
  timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, second)),
  severity: "ERROR",
  message,
  labels: {},
  resource: { type: "global", labels: {} },
  service: "api",
});

describe("clusterEntries", () => {
  it("groups entries by their final templates (split on a recurring event word)", () => {
    const kinds = ["bytes", "values", "bytes", "values", "bytes"];
    const entries = kinds.map((k, i) => entry(`block ${i} stored as ${k}`, i));
    const { clusters, minerState } = clusterEntries(entries, { samples: 3 });
    expect(clusters.map((c) => [c.template, c.count])).toEqual([
      ["block <num> stored as bytes", 3],
      ["block <num> stored as values", 2],
    ]);
    expect(clusters[0].entries.map((e) => e.message)).toEqual([
      "block 0 stored as bytes",
      "block 2 stored as bytes",
      "block 4 stored as bytes",
    ]);
    expect(minerState.templates.map((t) => t.id).sort()).toEqual(clusters.map((c) => c.templateId).sort());
    // seeded with the saved templates (as the issue sync does, id and template only), ids are kept
    const again = clusterEntries([entry("block 9 stored as values", 9)], {
      samples: 3,
      minerState: {
        version: 1,
        templates: minerState.templates.map(({ id, template }) => ({ id, template })),
      },
    });
    expect(again.clusters[0].templateId).toBe(clusters[1].templateId);
  });
});
