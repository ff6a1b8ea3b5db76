// Jest global setup: is Redis there for the tests that need it? One line when it is not; with
// REQUIRE_REDIS=1 (CI) a missing Redis fails the run instead of skipping those tests.
import { connect } from "node:net";

function ping(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || "127.0.0.1", port: Number(port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

export default async function globalSetup() {
  const url = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const up = await ping(url);
  process.env.GARDENER_REDIS_TESTS = up ? "on" : "off";
  if (up) return;
  if (process.env.REQUIRE_REDIS === "1")
    throw new Error(`REQUIRE_REDIS=1 but Redis does not answer at ${url}: the Redis tests cannot run`);
  console.log(
    `\nRedis tests skipped: no Redis at ${url}. Run them with a Redis there (redis-server --port 6379), or set REDIS_URL.`,
  );
}
