// Regenerates the README's options table from the config schema: npm run docs:config (after npm run build).
import { readFileSync, writeFileSync } from "node:fs";
import { configOptionsTable } from "../lib/config/docs.js";

const file = new URL("../README.md", import.meta.url);
const readme = readFileSync(file, "utf8");
const start = "<!-- config-options:start -->";
const end = "<!-- config-options:end -->";
const before = readme.slice(0, readme.indexOf(start) + start.length);
const after = readme.slice(readme.indexOf(end));
writeFileSync(file, `${before}\n${configOptionsTable()}\n${after}`);
