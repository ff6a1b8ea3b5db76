import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { assetPath } from "../assets.js";
import { ruleSchema, type TriageRule } from "./schema.js";

let cached: TriageRule[] | undefined;

export function loadDefaultTriageRules(): TriageRule[] {
  cached ??= z.array(ruleSchema).parse(parse(readFileSync(assetPath("config/default-triage.yml"), "utf8")));
  return cached;
}
