import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { allowedProjects, isAllowed, parseAllowList } from "./allow-list.js";
import { stepLabels, updateChecklist } from "./checklist-edit.js";
import { decodeDashboardState, encodeDashboardState, renderDashboard } from "./dashboard.js";
import { secretMatches } from "./http.js";
import { configLoadError, mergeConfigs } from "./repo-config.js";

describe("allow-list", () => {
  it("parses owner/repo and owner/* entries; a repo's own entry replaces its owner's", () => {
    const { list, errors } = parseAllowList(" acme/api=acme-prod, acme-staging ;ACME/*=acme-shared\n\n");
    expect(errors).toEqual([]);
    expect(allowedProjects(list, "acme", "API")).toEqual(["acme-prod", "acme-staging"]);
    expect(allowedProjects(list, "Acme", "web")).toEqual(["acme-shared"]);
    expect(allowedProjects(list, "other", "api")).toEqual([]);
    expect(isAllowed(list, "acme", "api", "acme-shared")).toBe(false);
  });

  it("reports malformed entries and allows nothing when unset", () => {
    const { list, errors } = parseAllowList("acme=p1;acme/x=;acme/y=Bad Project;acme/z=ok-1");
    expect(errors).toHaveLength(3);
    expect([...list.keys()]).toEqual(["acme/z"]);
    expect(parseAllowList(undefined).list.size).toBe(0);
  });
});

describe("checklist edits", () => {
  const steps = (ticks: boolean[]) =>
    [0, 1, 2, 3, 4, 5, 6]
      .map((i) => `- [${ticks[i] ? "x" : " "}] <!-- log-gardener:step=${i} --> **${i}. S${i}** — d`)
      .join("\n");
  const body = (ticks: boolean[]) =>
    `<!-- log-gardener:begin checklist -->\n**Status: ACTIVE – not started**\n\n${steps(ticks)}\n<!-- log-gardener:end checklist -->\n`;
  const input = {
    labels: ["bug", "step:0"],
    open: true,
    actor: "ann",
    now: new Date("2026-11-23T12:00:00Z"),
    stepNames: [],
  };

  it("logs each changed step once, unticks included, and moves the step label", () => {
    const first = updateChecklist({ ...input, body: body([true, true]), before: [true] });
    expect(first.changes).toEqual(["step 1 done"]);
    expect(first.labels).toEqual(["bug", "step:1"]);
    expect(first.body).toContain("**Status: ACTIVE – step 1 complete**");
    const again = updateChecklist({ ...input, body: first.body, before: [true] });
    expect(again.body).toBe(first.body);
    const undo = updateChecklist({
      ...input,
      body: body([true]).replace(
        /[\s\S]*/,
        first.body.replace("- [x] <!-- log-gardener:step=1", "- [ ] <!-- log-gardener:step=1"),
      ),
      before: [true, true],
    });
    expect(undo.changes).toEqual(["step 1 undone"]);
    expect(undo.body).toMatch(/ann unticked step 1/);
  });

  it("closes only when every step is done and was not before", () => {
    const all = new Array(7).fill(true);
    expect(updateChecklist({ ...input, body: body(all), before: all.slice(0, 6) }).close).toBe(true);
    expect(updateChecklist({ ...input, body: body(all), before: all }).close).toBe(false);
    expect(updateChecklist({ ...input, body: body(all), before: [], open: false }).close).toBe(false);
    expect(stepLabels(["step:3", "x"], [false])).toEqual(["x"]);
  });
});

describe("dashboard marker", () => {
  it("round-trips and survives hostile text", () => {
    const marker = encodeDashboardState({
      v: 1,
      lastPass: "2026-11-23T12:00:00.000Z",
      lastResult: "a --> <b>",
    });
    expect(marker).not.toMatch(/-->.*-->/s);
    expect(decodeDashboardState(`x\n${marker}`)).toEqual({
      v: 1,
      lastPass: "2026-11-23T12:00:00.000Z",
      lastResult: "a --> <b>",
    });
    expect(decodeDashboardState("nothing")).toBeUndefined();
  });

  it("fits GitHub's body limit by cutting the worklog", () => {
    const body = renderDashboard({
      result: "done",
      lastPass: new Date("2026-11-23T12:00:00Z"),
      worklog: "line\n".repeat(30_000),
      failures: [],
      configErrors: [],
    });
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/cut to fit/);
    expect(decodeDashboardState(body)?.lastPass).toBeDefined();
  });
});

describe("secrets and config helpers", () => {
  it("compares secrets exactly", () => {
    expect(secretMatches("abc", "abc")).toBe(true);
    expect(secretMatches("abd", "abc")).toBe(false);
    expect(secretMatches("ab", "abc")).toBe(false);
  });

  it("merges configs deeply with arrays replaced, and formats loader errors", () => {
    expect(mergeConfigs([{ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } }])).toEqual({ a: { b: 1, c: [3] } });
    const yamlError = Object.assign(
      new Error("[@probot/octokit-plugin-config] Configuration could not be parsed from u (invalid YAML)"),
      {
        cause: { message: "Flow sequence not closed\nmore", linePos: [{ line: 2, col: 11 }] },
      },
    );
    expect(configLoadError(yamlError)).toBe(".github/log-gardener.yml:2:11: Flow sequence not closed");
    expect(configLoadError(new Error("[@probot/octokit-plugin-config] Invalid value 1 for _extends"))).toBe(
      ".github/log-gardener.yml: Invalid value 1 for _extends",
    );
  });
});

describe("container image", () => {
  it("ignores nothing the Dockerfile copies from the build context", () => {
    const ignored = readFileSync(".dockerignore", "utf8")
      .split("\n")
      .map((l) => l.trim().replace(/^\/+|\/+$/g, ""))
      .filter((l) => l && !l.startsWith("#") && !l.startsWith("!"));
    const copied = readFileSync("Dockerfile", "utf8")
      .split("\n")
      .filter((l) => /^COPY\s/.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.trim().split(/\s+/).slice(1, -1))
      .map((p) => p.replace(/^\.\/|\/+$/g, ""));
    expect(copied).toEqual(expect.arrayContaining(["examples", "config", "templates"]));
    for (const path of copied) {
      const hits = ignored.filter((i) => !i.includes("*") && (path === i || path.startsWith(`${i}/`)));
      expect([path, hits]).toEqual([path, []]);
    }
  });
});
