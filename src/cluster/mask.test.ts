import { describe, it, expect } from "@jest/globals";
import {
  maskLine,
  maskTokens,
  maskedKey,
  templateTokens,
  renderTokens,
  MAX_TOKENS,
  WILDCARD,
} from "./mask.js";

describe("maskLine", () => {
  it("names what it masks: numbers, hex, UUIDs, ids that mix letters and digits", () => {
    expect(maskLine("retry 3 of 10 took 1.5s")).toBe("retry <num> of <num> took <id>");
    expect(maskLine("pointer 0x7ffd1a2b freed")).toBe("pointer <hex> freed");
    expect(maskLine("request 3f2b8c1e-9a4d-4f6e-8b2a-1c3d5e7f9a0b done")).toBe("request <uuid> done");
    expect(maskLine("connection main_742cb007 opened")).toBe("connection <id> opened");
    expect(maskLine("deadbeef01 and 3fa9c2e1d0 and 88224627")).toBe("<id> and <hex> and <num>");
  });

  it("masks IPs with ports as one variable", () => {
    expect(maskLine("connect to 10.0.12.7:8443 refused")).toBe("connect to <ip> refused");
  });

  it("masks e-mails, JWT-like tokens and quoted free text, but keeps a quoted single word", () => {
    expect(maskLine("mail sent to jane.doe+ops@example.org")).toBe("mail sent to <email>");
    expect(maskLine("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl rejected")).toBe(
      "token <token> rejected",
    );
    expect(maskLine('upload failed: "disk is full" on node')).toBe('upload failed: "<text>" on node');
    expect(maskLine("cannot open 'settings' file")).toBe("cannot open 'settings' file");
    expect(maskLine("can't reach the server")).toBe("can't reach the server");
  });

  it("keeps a URL's host, masks its path and an HTTP request's method and status", () => {
    expect(maskLine("GET https://api.example.com/v1/users/8812/orders?page=3&sort=asc failed")).toBe(
      "<method> https://api.example.com/<path> failed",
    );
    expect(maskLine("POST /v1/orders 502 Bad Gateway in 12ms")).toBe("<method> <path> <status> in <id>");
  });

  it("masks timestamps, including ones written with month and day names", () => {
    expect(maskLine("started at 2024-05-01T12:30:01.123Z by cron")).toBe("started at <time> by cron");
    expect(maskLine("login at Sat Jul  9 22:53:19 2005 from console")).toBe("login at <date> from console");
  });

  it("keeps keys and masks values in key=value and JSON messages", () => {
    expect(maskLine("job done user_id=10812417 elapsed=35ms status=ok")).toBe(
      "job done user_id=<id> elapsed=<id> status=ok",
    );
    expect(maskLine("lookup requestId: abcdef failed")).toBe("lookup requestId: <id> failed");
    expect(maskLine('payload {"user": "bob", "age": 42, "admin": false}')).toBe(
      'payload {"user": <value>, "age": <num>, "admin": <value>}',
    );
  });

  it("makes lists and runs of numbers of any length one slot", () => {
    expect(maskLine("channels ['feed', 'orders'] subscribed")).toBe("channels [<list>] subscribed");
    expect(maskLine("sizes 1 2 3 4 done")).toBe("sizes <num> done");
  });

  it("masks absolute file paths", () => {
    expect(maskLine("reading /etc/app/conf.d/main.yaml now")).toBe("reading <path> now");
  });

  it("is idempotent on its own output", () => {
    const samples = [
      "connect to 10.0.12.7:8443 refused after 3 tries",
      'payload {"user": "bob", "age": 42}',
      "GET https://api.example.com/v1/users/8812?page=3 failed",
      "login at Sat Jul  9 22:53:19 2005 from console",
    ];
    for (const s of samples) expect(maskLine(maskLine(s))).toBe(maskLine(s));
  });
});

describe("maskTokens", () => {
  it("reduces a Java stack trace to exception type and frames", () => {
    const trace = (id: number, line: number) =>
      [
        `Failed to handle order ${id}`,
        `java.lang.IllegalStateException: order ${id} is locked by user${id}`,
        `\tat com.shop.orders.OrderService.lock(OrderService.java:${line})`,
        `\tat com.shop.orders.OrderController.handle(OrderController.java:${line + 40})`,
        `\t... 12 more`,
      ].join("\n");
    const a = maskTokens(trace(17, 88));
    expect(maskTokens(trace(90210, 91))).toEqual(a);
    expect(renderTokens(a)).toBe(
      [
        "Failed to handle order <num>",
        "java.lang.IllegalStateException",
        "at com.shop.orders.OrderService.lock",
        "at com.shop.orders.OrderController.handle",
      ].join("\n"),
    );
  });

  it("reduces a Python traceback to frames and exception type", () => {
    const tb = (key: string, line: number) =>
      [
        "Traceback (most recent call last):",
        `  File "/srv/app/views.py", line ${line}, in checkout`,
        "    total = cart[key]",
        `KeyError: '${key}'`,
      ].join("\n");
    expect(maskTokens(tb("sku", 12))).toEqual(maskTokens(tb("price", 13)));
    expect(renderTokens(maskTokens(tb("sku", 12)))).toBe(
      'Traceback (most recent call last):\nFile "/srv/app/views.py", in checkout\nKeyError',
    );
  });

  it("tells traces with different frames apart", () => {
    const a = "boom\njava.lang.RuntimeException: x\n\tat a.B.c(B.java:1)";
    const b = "boom\njava.lang.RuntimeException: x\n\tat a.B.d(B.java:1)";
    expect(maskTokens(a)).not.toEqual(maskTokens(b));
  });

  it("bounds very long messages", () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}x`);
    const tokens = maskTokens(words.join(" "));
    expect(tokens.length).toBeLessThanOrEqual(MAX_TOKENS + 1);
    expect(tokens[tokens.length - 1]).toBe(WILDCARD);
    expect(maskedKey("a ".repeat(100_000)).length).toBeLessThan(1000);
  });

  it("reads a rendered template back to the same tokens", () => {
    const tokens = maskTokens("user <*> <num> logged in from 10.1.1.1");
    expect(templateTokens(renderTokens(tokens))).toEqual(tokens);
    expect(templateTokens("user <*> <*> left")).toEqual(["user", "<*>", "<*>", "left"]);
  });
});
