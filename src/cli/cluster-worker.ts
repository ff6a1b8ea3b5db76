// A thread of `log-gardener cluster` that masks blocks of lines (see cluster/chunk-masker.ts).
import { parentPort } from "node:worker_threads";
import { ChunkMasker } from "../cluster/chunk-masker.js";

const masker = new ChunkMasker();
parentPort?.on("message", (block: ArrayBuffer) => {
  const result = masker.mask(Buffer.from(block));
  parentPort?.postMessage(result, [result.lines.buffer as ArrayBuffer]);
});
