import { startServer } from "./serve.js";

await startServer();
