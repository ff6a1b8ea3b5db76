import { describe, it, expect } from "@jest/globals";
import {
  createRedactor,
  defaultRedactor,
  luhnValid,
  RedactionPatternError,
  redactText,
  redactValue,
  secretKeyKind,
} from "./redact.js";

// Test secrets are built by concatenation so that this file does not trip secret scanners.
const rep = (s: string, n: number): string => s.repeat(n);
const r = createRedactor();

describe("secrets are redacted, with their kind", () => {
  const cases: Array<[string, string, string]> = [
    // [what, input, expected output]
    [
      "JWT",
      "jwt " + "eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiIxMjM0In0" + ".sig_Nature-1",
      "jwt [REDACTED:jwt]",
    ],
    [
      "bearer header",
      "Authorization: Bearer " + "abc" + rep("x1", 10),
      "Authorization: Bearer [REDACTED:bearer-token]",
    ],
    [
      "basic header (JSON)",
      '{"authorization":"Basic ' + Buffer.from("user:" + "hunter2").toString("base64") + '"}',
      '{"authorization":"Basic [REDACTED:basic-auth]"}',
    ],
    ["header without scheme", "Authorization: abc" + "123def", "Authorization: [REDACTED:authorization]"],
    [
      "Go http.Header",
      'headers={"Authorization": ["Bearer ' + rep("q", 20) + '"]}',
      'headers={"Authorization": ["Bearer [REDACTED:bearer-token]"]}',
    ],
    ["standalone bearer", "sent bearer " + rep("Zz9", 8), "sent bearer [REDACTED:bearer-token]"],
    ["Google API key", "key=" + "AIza" + rep("B", 35) + " ok", "key=[REDACTED:google-api-key] ok"],
    ["Google OAuth token", "ya29" + "." + rep("a1", 20), "[REDACTED:google-oauth-token]"],
    ["AWS access key id", "id " + "AKIA" + "ABCDEFGHIJKLMNOP", "id [REDACTED:aws-access-key-id]"],
    ["AWS STS key id", "ASIA" + "ABCDEFGHIJKLMNOP", "[REDACTED:aws-access-key-id]"],
    [
      "AWS secret key",
      "aws_secret_access_key=" + rep("wJalrXUtnFEMI/K7MDENG", 2).slice(0, 40),
      "aws_secret_access_key=[REDACTED:aws-secret-key]",
    ],
    ["GitHub token", "token=" + "ghp_" + rep("A", 36), "token=[REDACTED:github-token]"],
    ["GitHub server token", "ghs_" + rep("b9", 18), "[REDACTED:github-token]"],
    [
      "GitHub fine-grained PAT",
      "github_pat_" + rep("A1", 11) + "_" + rep("z", 59),
      "[REDACTED:github-token]",
    ],
    ["GitLab token", "glpat-" + rep("x", 20), "[REDACTED:gitlab-token]"],
    ["Slack token", "xoxb-" + "1234567890-" + rep("a", 12), "[REDACTED:slack-token]"],
    [
      "Slack webhook",
      "post to https://hooks.slack.com/services/" + "T000/B000/" + rep("X", 24) + " failed",
      "post to [REDACTED:slack-webhook] failed",
    ],
    ["Stripe live secret", "sk_live_" + rep("a", 24), "[REDACTED:stripe-key]"],
    ["Stripe restricted", "rk_live_" + rep("b", 24), "[REDACTED:stripe-key]"],
    ["Stripe test publishable", "pk_test_" + rep("c", 24), "[REDACTED:stripe-key]"],
    ["SendGrid", "SG" + "." + rep("a", 22) + "." + rep("b", 43), "[REDACTED:sendgrid-key]"],
    ["Twilio API key", "SK" + rep("0123456789abcdef", 2), "[REDACTED:twilio-api-key]"],
    ["npm token", "npm_" + rep("a", 36), "[REDACTED:npm-token]"],
    ["OpenAI key", "sk-" + "proj-" + rep("ab1", 10), "[REDACTED:openai-key]"],
    ["Anthropic key", "sk-ant-" + "api03-" + rep("x1", 20), "[REDACTED:anthropic-key]"],
    [
      "PEM private key",
      "key: -----BEGIN RSA " + "PRIVATE KEY-----\nMIIEow\nIBAAKC\n-----END RSA " + "PRIVATE KEY----- after",
      "key: [REDACTED:private-key] after",
    ],
    [
      "PEM private key with JSON-escaped newlines",
      '"private_key":"-----BEGIN ' + "PRIVATE KEY-----\\nMIIE\\n-----END " + 'PRIVATE KEY-----\\n"',
      '"private_key":"[REDACTED:private-key]\\n"',
    ],
    ["PEM without END", "got -----BEGIN EC " + "PRIVATE KEY-----\nMHcCAQEE", "got [REDACTED:private-key]"],
    [
      "password in URL",
      "postgres://user:" + "hunter2" + "@db.example.com:5432/db",
      "postgres://user:[REDACTED:password]@db.example.com:5432/db",
    ],
    [
      "token as URL password",
      "https://x-access-token:" + "ghs_" + rep("a", 36) + "@github.com/o/r",
      "https://x-access-token:[REDACTED:password]@github.com/o/r",
    ],
    [
      "connection string",
      "Server=db;Database=app;User Id=sa;Password=" + "abc123" + ";",
      "Server=db;Database=app;User Id=sa;Password=[REDACTED:password];",
    ],
    [
      "Cookie header",
      "Cookie: sessionid=" + "abc123" + "; csrftoken=" + "zz9",
      "Cookie: sessionid=[REDACTED:cookie]; csrftoken=[REDACTED:cookie]",
    ],
    [
      "Set-Cookie header keeps attributes",
      "Set-Cookie: JSESSIONID=" + "ABCDEF" + "; Path=/; HttpOnly",
      "Set-Cookie: JSESSIONID=[REDACTED:cookie]; Path=/; HttpOnly",
    ],
    ["sessionid=", "GET /x?sessionid=" + "abc9" + "&page=2", "GET /x?sessionid=[REDACTED:session]&page=2"],
    ["JSESSIONID=", "JSESSIONID=" + "A1B2C3", "JSESSIONID=[REDACTED:session]"],
    ["secret=", "secret=" + "foo", "secret=[REDACTED:secret]"],
    ["api_key=", "api_key=" + "bar", "api_key=[REDACTED:api-key]"],
    ["token=", "token=" + "opaque", "token=[REDACTED:token]"],
    ["password: (prose)", "passwd: " + "baz", "passwd: [REDACTED:password]"],
    [
      "JSON password",
      '{"password": "' + "x" + '", "user":"bob"}',
      '{"password": "[REDACTED:password]", "user":"bob"}',
    ],
    [
      "JSON inside a JSON string",
      '{"msg":"login {\\"password\\":\\"' + "hunter2" + '\\"}"}',
      '{"msg":"login {\\"password\\":\\"[REDACTED:password]\\"}"}',
    ],
    [
      "secret inside a quoted message",
      'msg="login failed password=' + "hunter2" + ' for x"',
      'msg="login failed password=[REDACTED:password] for x"',
    ],
    ["auth header in a key name", "auth_header=" + "Bearer" + "xyz9", "auth_header=[REDACTED:auth]"],
    [
      "Kotlin toString",
      "User(name=bob, password=" + "s3cret" + ")",
      "User(name=bob, password=[REDACTED:password])",
    ],
    ["e-mail", "contact bob.smith@example.com now", "contact [REDACTED:email] now"],
    ["E.164 phone", "call +14155552671 now", "call [REDACTED:phone] now"],
    ["formatted international phone", "call +44 20 7946 0958", "call [REDACTED:phone]"],
    ["NANP phone (parens)", "call (555) 123-4567", "call [REDACTED:phone]"],
    ["NANP phone (dashes)", "call 555-123-4567.", "call [REDACTED:phone]."],
    ["national phone", "ring 020 7946 0958", "ring [REDACTED:phone]"],
    ["IPv4", "from 192.168.1.10:8080", "from [REDACTED:ipv4]:8080"],
    ["IPv4 at sentence end", "ip 10.0.0.1.", "ip [REDACTED:ipv4]."],
    ["IPv6", "from 2001:db8::8a2e:370:7334 ok", "from [REDACTED:ipv6] ok"],
    ["IPv6 bracketed", "[::1]:80 and fe80::1%eth0", "[[REDACTED:ipv6]]:80 and [REDACTED:ipv6]%eth0"],
    ["card (spaces)", "card 4111 1111 1111 1111", "card [REDACTED:card-number]"],
    ["card (dashes)", "card 5555-5555-5555-4444", "card [REDACTED:card-number]"],
    ["card (plain)", "card 4111111111111111.", "card [REDACTED:card-number]."],
    ["card (Amex)", "amex 378282246310005", "amex [REDACTED:card-number]"],
  ];
  it.each(cases)("%s", (_what, input, expected) => {
    expect(r.redactText(input)).toBe(expected);
  });
  it("is idempotent: redacting redacted text changes nothing", () => {
    for (const [, , expected] of cases) expect(r.redactText(expected)).toBe(expected);
  });
});

describe("ids that are not secrets are left alone", () => {
  const cases: Array<[string, string]> = [
    ["UUID", "request 550e8400-e29b-41d4-a716-446655440000 done"],
    ["all-digit UUID", "id 23456789-2345-2345-2345-234567890123"],
    ["trace path", "trace projects/my-proj/traces/4bf92f3577b34da6a3ce929d0e0e4736"],
    ["bare trace id", "trace=4bf92f3577b34da6a3ce929d0e0e4736"],
    ["all-digit trace id", "trace 12345678901234567890123456789012"],
    ["span id", "spanId 00f067aa0ba902b7"],
    ["git SHA", "commit 3f786850e387550fdab836ed7e6dc881de23001b"],
    ["short SHA", "at 742cb00 and 1a2b3c4d5e6f"],
    ["semantic version", "version 1.2.3 and v10.0.19041-beta.1"],
    ["ISO timestamp", "at 2024-01-02T03:04:05.123456Z"],
    ["date and time", "2024-01-02 03:04:05,123"],
    ["epoch millis", "ts 1700000000123"],
    ["plain integers", "count 42 of 100000 took 1234 ms"],
    ["number lists", "sizes 256 512 1024; frames 0001 0002 0003"],
    ["generated id", "id main_742cb007 rev netra-backend-00042-xyz"],
    ["non-Luhn 16 digits", "order 4111111111111112"],
    ["MAC address", "mac 00:1a:2b:3c:4d:5e"],
    ["OID", "oid 1.3.6.1.4.1.311"],
    ["C++ scope", "std::string Db::Add"],
    ["Java object", "com.example.Foo@6d06d69c"],
    ["browser version in a User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36"],
    ["token counts", "max_tokens=1000 token_count=5 input_tokens=12"],
    ["describing keys", "password_length=12 secret_name=db-pass token_type=Bearer"],
    ["small session counter", "session=42 sessions=3"],
    ["prose after token:", "Failed to refresh token: invalid_grant"],
    ["masked values", "password=*** token=null secret="],
    ["bearer without token", "missing bearer token"],
    ["basic that is not base64 credentials", "Basic authentication failed"],
    ["URL without password", "https://example.com:8443/x?page=2#top and ftp://host/file"],
  ];
  it.each(cases)("%s", (_what, input) => {
    expect(r.redactText(input)).toBe(input);
  });
});

describe("Luhn", () => {
  it("validates checksums", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111 1111 1111 1111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
  });
  it("redacts a Luhn-valid card and keeps the same digits with a wrong check digit", () => {
    expect(r.redactText("pay 6011111111111117 now")).toBe("pay [REDACTED:card-number] now");
    expect(r.redactText("pay 6011111111111118 now")).toBe("pay 6011111111111118 now");
  });
  it("keeps mixed separators and odd groupings", () => {
    expect(r.redactText("n 4111 1111-1111 1111")).toBe("n 4111 1111-1111 1111");
    expect(r.redactText("n 41111 11111 11111 1")).toBe("n 41111 11111 11111 1");
  });
});

describe("secret key names", () => {
  it.each([
    ["password", "password"],
    ["db_password", "password"],
    ["dbPassword", "password"],
    ["passwd", "password"],
    ["db_pass", "password"],
    ["client_secret", "client-secret"],
    ["apiKey", "api-key"],
    ["x-api-key", "api-key"],
    ["access_token", "token"],
    ["authorization", "authorization"],
    ["Cookie", "cookie"],
    ["session", "session"],
    ["JSESSIONID", "session"],
    ["private_key", "private-key"],
    ["credentials", "credentials"],
    ["AccountKey", "secret-key"],
  ])("%s says secret", (key, kind) => {
    expect(secretKeyKind(key)).toBe(kind);
  });
  it.each([
    "user",
    "bypass",
    "passed",
    "max_tokens",
    "token_count",
    "tokenizer",
    "sessions",
    "key",
    "author",
  ])("%s is ordinary", (key) => {
    expect(secretKeyKind(key)).toBeUndefined();
  });
});

describe("redactValue", () => {
  it("redacts strings deeply and whole values under secret key names", () => {
    const input = {
      password: "x",
      nested: [{ apiKey: { id: 1, value: "k" }, note: "mail a@b.co", count: 3 }],
      token_count: 3,
      session: { id: 1 },
      Authorization: "Bearer abc",
      client_secret: 12345,
      credentials: null,
      flag: true,
    };
    expect(r.redactValue(input)).toEqual({
      password: "[REDACTED:password]",
      nested: [{ apiKey: "[REDACTED:api-key]", note: "mail [REDACTED:email]", count: 3 }],
      token_count: 3,
      session: "[REDACTED:session]",
      Authorization: "Bearer [REDACTED:bearer-token]",
      client_secret: "[REDACTED:client-secret]",
      credentials: null,
      flag: true,
    });
    expect(input.password).toBe("x");
  });
  it("redacts object keys, handles top-level strings, cycles and non-plain objects", () => {
    expect(r.redactValue({ "bob@example.com": 1 })).toEqual({ "[REDACTED:email]": 1 });
    expect(r.redactValue("ip 10.1.2.3")).toBe("ip [REDACTED:ipv4]");
    const cyclic: Record<string, unknown> = { a: "x" };
    cyclic.self = cyclic;
    expect(r.redactValue(cyclic)).toEqual({ a: "x", self: "[Circular]" });
    const when = new Date(0);
    expect(r.redactValue({ when }).when).toBe(when);
  });
  it("the default helpers use the built-in rules", () => {
    expect(redactText("a@b.co")).toBe("[REDACTED:email]");
    expect(redactValue({ token: "t" })).toEqual({ token: "[REDACTED:token]" });
    expect(defaultRedactor.redactText("x")).toBe("x");
  });
});

describe("extra patterns", () => {
  it("redacts with the configured name, before the built-in rules", () => {
    const red = createRedactor([
      { name: "acme-key", pattern: "acme_[a-z0-9]{8}" },
      { name: "Internal Ticket", pattern: "(?i)ticket-\\d+" },
    ]);
    expect(red.redactText("k=acme_abcd1234 TICKET-42")).toBe(
      "k=[REDACTED:acme-key] [REDACTED:internal-ticket]",
    );
    expect(r.redactText("k=acme_abcd1234")).toBe("k=acme_abcd1234");
  });
  it("replaces only the named group `secret` when there is one", () => {
    const red = createRedactor([{ name: "pin", pattern: "pin (?<secret>\\d{4})\\b" }]);
    expect(red.redactText("user pin 1234 ok")).toBe("user pin [REDACTED:pin] ok");
  });
  it("throws a clear error naming an invalid pattern", () => {
    expect(() => createRedactor([{ name: "broken", pattern: "([a-z" }])).toThrow(RedactionPatternError);
    expect(() => createRedactor([{ name: "broken", pattern: "([a-z" }])).toThrow(/"broken"/);
    expect(() => createRedactor([{ name: "everything", pattern: "x*" }])).toThrow(/"everything".*empty/);
  });
});

describe("robustness", () => {
  it("cannot be tricked by placeholder characters in the input", () => {
    const forged = "\uE000\uE010\uE001 password=" + "p4ss";
    expect(r.redactText(forged)).toBe("\uFFFD\uE010\uFFFD password=[REDACTED:password]");
  });
  it("finishes pathological inputs and still redacts what follows them", () => {
    const tail = " token=" + "ghp_" + rep("A", 36) + " bob@example.com";
    const expectedTail = " token=[REDACTED:github-token] [REDACTED:email]";
    const n = 50_000;
    const inputs = [
      rep("a:", n),
      rep("a@", n),
      rep("1 ", n),
      rep("1-", n),
      rep("eyJ", n),
      rep("eyJaaaaa.", n / 4),
      rep("-----BEGIN " + "PRIVATE KEY-----", n / 20),
      rep('"password":"', n / 6),
      rep('a="', n),
      rep("http://a:", n / 4),
      rep("+1 ", n),
      rep("Cookie: ", n / 4),
      rep("Authorization: Bearer ", n / 10),
      rep("a.", n) + "@",
      rep("1.", n),
      rep('\\"', n),
    ];
    for (const input of inputs) {
      const out = r.redactText(input + tail);
      expect(out).not.toContain("ghp_");
      expect(out).not.toContain("bob@");
      if (input.includes("BEGIN")) {
        expect(out).toBe("[REDACTED:private-key]");
      } else if (input.startsWith("Cookie")) {
        // Everything after `Cookie:` up to the end of the line is the cookie value.
        expect(out.endsWith(" token=[REDACTED:cookie]")).toBe(true);
      } else {
        expect(out.slice(-expectedTail.length)).toBe(expectedTail);
      }
    }
  });
  it("line by line: a PEM key across lines is redacted whole, lines keep their count", () => {
    const redactLine = r.lineByLine();
    const lines = [
      "start",
      "-----BEGIN " + "PRIVATE KEY-----",
      "MIIEvQIBADAN",
      "-----END " + "PRIVATE KEY----- x@y.io",
      "end",
    ];
    expect(lines.map(redactLine)).toEqual([
      "start",
      "[REDACTED:private-key]",
      "[REDACTED:private-key]",
      "[REDACTED:private-key] [REDACTED:email]",
      "end",
    ]);
  });

  it("redacts URL-encoded e-mails and passwords written in prose", () => {
    const r = createRedactor();
    expect(r.redactText("GET /u?email=jane.doe%40example.com&x=1")).toBe("GET /u?email=[REDACTED:email]&x=1");
    expect(r.redactText("user said the password is hunter2, please reset")).toBe(
      "user said the password is [REDACTED:password], please reset",
    );
    expect(r.redactText("password was rotated")).toBe("password was [REDACTED:password]");
    expect(r.redactText("password reset requested")).toBe("password reset requested");
  });
});

describe("findings, learned literals and templates", () => {
  it("explain names the kind, the rule and the text of each finding, in reading order", () => {
    const { text, findings } = createRedactor().explain(
      "login bob@example.com password=" + "p@ss!w0rd" + " from 10.1.2.3",
    );
    expect(text).toBe("login [REDACTED:email] password=[REDACTED:password] from [REDACTED:ipv4]");
    expect(findings).toEqual([
      { kind: "email", rule: "ours:email", text: "bob@example.com" },
      { kind: "password", rule: "ours:keyed-secret", text: "p@ss!w0rd" },
      { kind: "ipv4", rule: "ours:ip-address", text: "10.1.2.3" },
    ]);
  });
  it("a learned literal is redacted wherever it appears, with its kind and rule", () => {
    const red = createRedactor();
    expect(red.learn([{ text: "Zq9-account-7731", kind: "aws-account-id", rule: "library:x" }])).toBe(1);
    expect(red.learn([{ text: "Zq9-account-7731", kind: "aws-account-id", rule: "library:x" }])).toBe(0);
    expect(red.learn([{ text: "short", kind: "x", rule: "library:x" }])).toBe(0);
    expect(red.redactText("id Zq9-account-7731 twice Zq9-account-7731")).toBe(
      "id [REDACTED:aws-account-id] twice [REDACTED:aws-account-id]",
    );
    expect(red.explain("id Zq9-account-7731").findings).toEqual([
      { kind: "aws-account-id", rule: "library:x", text: "Zq9-account-7731" },
    ]);
    expect(r.redactText("id Zq9-account-7731")).toBe("id Zq9-account-7731");
  });
  it("a random-looking token a template repeats is redacted there and learned; class names stay", () => {
    const red = createRedactor();
    const token = "qWeRtYuIoPaSdFgHjKlZxCvBnM";
    expect(red.redactTemplate(`handshake <*> using ${token}`)).toBe(
      "handshake <*> using [REDACTED:random-token]",
    );
    expect(red.redactText(`node 7 using ${token}`)).toBe("node 7 using [REDACTED:random-token]");
    const bean = "at AbstractAutowireCapableBeanFactory.createBean <*>";
    expect(red.redactTemplate(bean)).toBe(bean);
  });
  it("weak keys need a credential-like value; strong keys take any value", () => {
    expect(r.redactText("hmac_key=" + "9f86d081884c7d659a2feaa0c55ad015")).toBe(
      "hmac_key=[REDACTED:secret-key]",
    );
    expect(r.redactText("cache_key=9f86d081884c7d659a2feaa0c55ad015")).toBe(
      "cache_key=9f86d081884c7d659a2feaa0c55ad015",
    );
    expect(r.redactText("key=orders/2024/05/a.json key=" + "Xr7Kq2Wm9Lp4Tz8Nv3Bc")).toBe(
      "key=orders/2024/05/a.json key=[REDACTED:secret-key]",
    );
    expect(r.redactText("PGPASSWORD=" + "p@ss}w0rd#" + " psql")).toBe("PGPASSWORD=[REDACTED:password] psql");
    expect(r.redactText("--db-password " + "s3cr3t" + " --port 5432")).toBe(
      "--db-password [REDACTED:password] --port 5432",
    );
  });
});
