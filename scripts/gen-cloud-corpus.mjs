#!/usr/bin/env node
// A labelled, Cloud-Logging-style corpus for the clustering benchmark (made up here, seeded, no real
// data): JSON Lines of LogEntry from eight services, and one true pattern label per entry.
//
//   node scripts/gen-cloud-corpus.mjs OUT_DIR [--entries N] [--seed S]
//   → OUT_DIR/entries.jsonl, OUT_DIR/truth.tsv ("label<TAB>label", the format score.mjs reads)
//
// The true pattern of an entry is its service plus the pattern below (a pass groups per service). The
// patterns hold the failure classes of issue 12: a varying number of tokens in one pattern (optional
// parenthesised parts, status texts of one or two words, lists, free-text reasons after a colon, names
// of different shapes), event words with more than three values that are patterns of their own, a
// leading HTTP method, JSON messages (same keys in the same order are one pattern), near-duplicates
// that must stay apart (`status: 'ok'` / `'timeout'`), stack traces, text and JSON payloads.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const out = args.find((a) => !a.startsWith("--"));
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
if (!out) {
  console.error("usage: gen-cloud-corpus.mjs OUT_DIR [--entries N] [--seed S]");
  process.exit(2);
}
const total = opt("--entries", 20000);
let seed = opt("--seed", 12) >>> 0;

/** mulberry32: small, seeded, good enough to pick values. */
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (list) => list[Math.floor(rand() * list.length)];
const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[int(0, 15)]).join("");
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const ip = () => `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
const WORDS =
  "alpha bravo cedar delta ember fjord grove harbor island jasper kelp lumen maple nova orbit pine quartz river slate tundra umber vale willow".split(
    " ",
  );
const user = () =>
  pick([
    () => `usr_${hex(2)}${int(1, 9)}`,
    () => String(int(10_000_000, 99_999_999)),
    () => `demo-user-${int(1, 999)}`,
    () => `${pick(WORDS)}.${pick(WORDS)}`,
  ])();
const email = () =>
  `${pick(WORDS)}${int(1, 99)}@${pick(["example.com", "mail.example.org", "corp.example.net"])}`;
const ms = () => `${int(1, 4000)}ms`;
const reason = () =>
  pick([
    "timeout",
    "connection reset by peer",
    "deadline exceeded after retries",
    "upstream closed the stream unexpectedly",
    "no healthy upstream",
    "certificate has expired",
    "too many open files in the worker process",
    "permission denied",
  ]);
const list = () =>
  "[" +
  Array.from(
    { length: int(1, 4) },
    () => `'${pick(["feed", "orders", "billing", "audit", "search", "mail"])}'`,
  ).join(", ") +
  "]";
const path = () =>
  `/${pick(["api", "v1", "v2"])}/${pick(["orders", "users", "carts", "items"])}/${int(1, 99999)}`;
const status = () =>
  pick([
    [200, "OK"],
    [201, "Created"],
    [404, "Not Found"],
    [500, "Internal Server Error"],
    [502, "Bad Gateway"],
    [503, "Service Unavailable"],
  ]);
const bytes = () => {
  const n = int(10, 900_000);
  return n >= 1024 ? `${n} bytes (${(n / 1024).toFixed(2)} KB)` : `${n} bytes`;
};
const javaTrace = (exc, frames) =>
  [`Unhandled exception in request ${uuid()}`, `${exc}: ${reason()} for ${user()}`]
    .concat(frames.map((f) => `\tat ${f}(${f.split(".").slice(-2, -1)[0]}.java:${int(10, 900)})`))
    .concat([`\t... ${int(3, 40)} more`])
    .join("\n");
const pyTrace = (exc, fn) =>
  [
    "Traceback (most recent call last):",
    `  File "/srv/app/handlers.py", line ${int(10, 400)}, in ${fn}`,
    `    result = process(item_${int(1, 99)})`,
    `  File "/srv/app/store.py", line ${int(10, 400)}, in fetch`,
    "    row = cursor.fetchone()",
    `${exc}: ${reason()}`,
  ].join("\n");

// Each pattern: [name, weight, kind ("text" | "json" | "payload"), make() → message or payload object].
// A pattern with `events` is one pattern per listed word (event words that must stay apart).
const SERVICES = {
  checkout: [
    [
      "http-access",
      8,
      "json",
      () => {
        const [code, text] = status();
        return `${pick(["GET", "POST", "PUT", "DELETE", "PATCH"])} ${path()} ${code} ${text} ${ms()}`;
      },
    ],
    ["payment-failed", 4, "json", () => `payment ${uuid()} for ${email()} failed: ${reason()}`],
    ["cart-status", 3, "json", () => `cart ${int(1, 99999)} checked, status: 'ok'`],
    ["cart-status-timeout", 2, "json", () => `cart ${int(1, 99999)} checked, status: 'timeout'`],
    [
      "charge-json",
      3,
      "payload",
      () => ({ event: "charge", amount: int(1, 9999), currency: pick(["EUR", "USD"]), user: user() }),
    ],
    ["refund-json", 2, "payload", () => ({ event: "refund", order: int(1, 99999), reason: reason() })],
    [
      "java-trace-npe",
      2,
      "text",
      () =>
        javaTrace("java.lang.NullPointerException", [
          "com.shop.checkout.Cart.total",
          "com.shop.checkout.Api.handle",
        ]),
    ],
    [
      "java-trace-state",
      2,
      "text",
      () =>
        javaTrace("java.lang.IllegalStateException", [
          "com.shop.checkout.Order.lock",
          "com.shop.checkout.Api.handle",
        ]),
    ],
  ],
  gateway: [
    [
      "proxy-sent",
      6,
      "text",
      () =>
        `${ip()}:${int(1024, 65535)} close, ${bytes()} sent, ${int(10, 90000)} bytes received, lifetime ${int(0, 59)}:${String(int(0, 59)).padStart(2, "0")}`,
    ],
    [
      "upstream-error",
      4,
      "text",
      () =>
        `upstream ${pick(["orders", "users", "search"])}-svc returned ${status().join(" ")} after ${ms()}`,
    ],
    ["route-added", 2, "text", () => `route ${path()} added for ${user()}`],
    ["tls-handshake", 3, "text", () => `TLS handshake with ${ip()} failed: ${reason()}`],
    ["rate-limit", 3, "json", () => `rate limit hit for ${user()} on channels ${list()}`],
  ],
  compute: [
    [
      "vm-lifecycle",
      8,
      "text",
      () => `[instance: ${uuid()}] VM %EVENT% (Lifecycle Event)`,
      ["Started", "Paused", "Resumed", "Stopped", "Suspended"],
    ],
    ["vm-claim", 3, "text", () => `[instance: ${uuid()}] Claim successful on node compute-${int(1, 40)}`],
    ["disk-usage", 3, "text", () => `Total disk: ${int(10, 900)} GB, used: ${(rand() * 500).toFixed(2)} GB`],
    [
      "image-sync",
      2,
      "text",
      () =>
        `image ${hex(12)} synced to ${pick(["eu", "us", "asia"])}-${pick(["west", "east"])}${int(1, 4)} in ${ms()}`,
    ],
  ],
  auth: [
    ["login-ok", 6, "json", () => `user ${user()} logged in from ${ip()}`],
    ["login-failed", 5, "json", () => `login failed for ${user()} from ${ip()}: ${reason()}`],
    [
      "token-refresh",
      4,
      "json",
      () => `token refreshed for session ${hex(16)} (expires in ${int(60, 3600)}s)`,
    ],
    ["token-refresh-short", 0, "json", () => `token refreshed for session ${hex(16)}`],
    ["mfa", 3, "json", () => `MFA challenge %EVENT% for ${email()}`, ["sent", "passed", "failed", "expired"]],
    [
      "auth-json",
      3,
      "payload",
      () => ({
        action: "authorize",
        principal: user(),
        scope: pick(["read", "write", "admin"]),
        granted: rand() < 0.5,
      }),
    ],
  ],
  orders: [
    [
      "order-state",
      6,
      "json",
      () => `order ${int(1000, 99999)} moved to %EVENT%`,
      ["PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"],
    ],
    [
      "order-items",
      4,
      "json",
      () => `order ${int(1000, 99999)} has items ${list()} (total ${(rand() * 500).toFixed(2)} EUR)`,
    ],
    ["order-db-slow", 3, "json", () => `query on orders took ${ms()} (rows: ${int(0, 5000)})`],
    ["order-db-slow-plain", 0, "json", () => `query on orders took ${ms()}`],
    ["py-trace-key", 2, "text", () => pyTrace("KeyError", "get_order")],
    ["py-trace-value", 2, "text", () => pyTrace("ValueError", "get_order")],
  ],
  search: [
    [
      "search-query",
      7,
      "json",
      () => `search "${pick(WORDS)} ${pick(WORDS)}" returned ${int(0, 500)} hits in ${ms()}`,
    ],
    [
      "index-rebuild",
      2,
      "json",
      () => `index ${pick(["products", "users", "orders"])}_v${int(1, 9)} rebuilt: ${int(1000, 900000)} docs`,
    ],
    ["cache-miss", 3, "json", () => `cache miss for key ${pick(["q", "facet", "sugg"])}:${hex(10)}`],
    [
      "search-json",
      3,
      "payload",
      () => ({ query: `${pick(WORDS)}`, page: int(1, 20), took_ms: int(1, 900), shard: int(0, 7) }),
    ],
  ],
  notify: [
    ["mail-sent", 6, "json", () => `mail sent to ${email()} via %EVENT% in ${ms()}`, ["smtp", "ses"]],
    ["mail-bounced", 3, "json", () => `mail to ${email()} bounced: ${reason()}`],
    ["push-sent", 4, "json", () => `push notification ${uuid()} delivered to ${int(1, 12)} devices`],
    ["webhook", 3, "json", () => `webhook ${path()} answered ${status().join(" ")}`],
  ],
  billing: [
    [
      "invoice",
      5,
      "json",
      () => `invoice INV-${int(10000, 99999)} created for ${user()} amount ${(rand() * 900).toFixed(2)}`,
    ],
    ["invoice-status-ok", 3, "json", () => `invoice sync finished, status: 'ok'`],
    ["invoice-status-timeout", 3, "json", () => `invoice sync finished, status: 'timeout'`],
    [
      "ledger-json",
      3,
      "payload",
      () => ({ ledger: "post", entries: int(1, 40), balanced: true, batch: hex(8) }),
    ],
    ["ledger-json-failed", 2, "payload", () => ({ ledger: "post", failure: reason(), batch: hex(8) })],
    [
      "job",
      4,
      "text",
      () => `billing job ${pick(WORDS)}-${int(1, 99)} finished with %EVENT% in ${ms()}`,
      ["success", "warnings"],
    ],
  ],
};

// Optional variants: a pattern listed with weight 0 shares the label of the one before it and is
// mixed in (a message written with or without its optional part).
const patterns = [];
for (const [service, list] of Object.entries(SERVICES)) {
  let last;
  for (const [name, weight, kind, make, events] of list) {
    if (weight === 0 && last) {
      last.variants.push(make);
      continue;
    }
    last = { service, name, weight, kind, makes: [make], variants: [], events };
    patterns.push(last);
  }
}
const totalWeight = patterns.reduce((s, p) => s + p.weight, 0);
const t0 = Date.parse("2026-11-23T00:00:00Z");
const lines = [];
const truth = [];
for (let i = 0; i < total; i++) {
  let r = rand() * totalWeight;
  let p = patterns[0];
  for (const q of patterns) {
    r -= q.weight;
    if (r < 0) {
      p = q;
      break;
    }
  }
  const make = p.variants.length > 0 && rand() < 0.4 ? pick(p.variants) : p.makes[0];
  let label = `${p.service}/${p.name}`;
  let made = make();
  if (p.events) {
    const word = pick(p.events);
    made = made.replace("%EVENT%", word);
    label += `/${word}`;
  }
  const entry = {
    insertId: hex(14),
    logName: `projects/demo/logs/run.googleapis.com%2F${p.kind === "text" ? "stderr" : "stdout"}`,
    resource: {
      type: "cloud_run_revision",
      labels: { service_name: p.service, revision_name: `${p.service}-000${int(1, 3)}` },
    },
    timestamp: new Date(t0 + i * 250).toISOString(),
    severity: pick(["INFO", "WARNING", "ERROR"]),
  };
  if (p.kind === "text") entry.textPayload = made;
  else if (p.kind === "payload") entry.jsonPayload = made;
  else entry.jsonPayload = { message: made, logger: `${p.service}.app` };
  lines.push(JSON.stringify(entry));
  truth.push(`${label}\t${label}`);
}
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "entries.jsonl"), lines.join("\n") + "\n");
writeFileSync(join(out, "truth.tsv"), truth.join("\n") + "\n");
console.log(`${total} entries, ${new Set(truth).size} true patterns, in ${out}`);
