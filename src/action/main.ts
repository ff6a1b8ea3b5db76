/** The GitHub Action's entry (action.yml → dist/index.mjs, built by `npm run bundle`). */
import { runAction } from "./run.js";

process.exitCode = await runAction();
