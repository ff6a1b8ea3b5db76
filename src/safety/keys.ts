// Key names that say "secret": `password`, `client_secret`, `X-Api-Key`, `--db-pass`, `HEROKU_API_KEY`.
//
// A strong key (`password`, `token`, `secret`, …) has its value redacted whatever the value looks like. A weak
// key (`hmac_key`, `twilio_sid`, a bare `key`) only names a place where secrets often are: its value is
// redacted when it looks like a credential (values.ts), so `cache_key=<sha1>` and `key=orders/2024` stay.

import type { Certainty } from "./values.js";

const STRONG_KEY_WORDS: Array<[RegExp, string]> = [
  [/passw(?:or)?d|passphrase|passwort|contrasena|motdepasse|passcode/, "password"],
  [/^(?:store|key|srcstore|deststore|master)pass$|^pass(?:in|out)$/, "password"],
  [/awssecret|secretaccesskey/, "aws-secret-key"],
  [/privatekey|privkey/, "private-key"],
  [/clientsecret/, "client-secret"],
  [/secret/, "secret"],
  [/apikey|apitoken/, "api-key"],
  [/accesskey|accountkey|signingkey|encryptionkey|masterkey|secretkey|sharedkey/, "secret-key"],
  [/sessionid|sessid|sessiontoken|sessionkey|sessioncookie/, "session"],
  [/cookie/, "cookie"],
  [/credential/, "credentials"],
  [/authorization/, "authorization"],
  [/token(?!s|iz)/, "token"],
];

// Short words that only count as a whole segment of the key (`db_pass`, `x-auth`, `connect.sid`).
const STRONG_SEGMENTS: Record<string, string> = {
  pass: "password",
  pwd: "password",
  pw: "password",
  auth: "auth",
  session: "session",
  sid: "session",
  sig: "signature",
  signature: "signature",
  jwt: "jwt",
  otp: "otp",
  creds: "credentials",
  cred: "credentials",
};

// A key ending in one of these describes a secret without holding it (`token_count`, `password_length`).
const NOT_SECRET_LAST_SEGMENT = new Set(
  (
    "count counts len length limit size ttl type kind expiry expires expiration exp in at max min used usage " +
    "name names url uri path file version enabled disabled required present valid missing error errors status " +
    "state mode start end started ended duration timeout created updated rotated policy format provider source " +
    "index idx ms sec secs seconds hint set changed reset stdin prompt env var ref command cmd helper store " +
    "algorithm alg strength level scope scopes issuer audience endpoint host"
  ).split(" "),
);

// Words of a weak key that only describe a place where credentials live.
const WEAK_SEGMENTS: Record<string, string> = {
  key: "secret-key",
  keys: "secret-key",
  api: "api-key",
  access: "secret-key",
  hmac: "secret-key",
  consumer: "secret-key",
  bearer: "bearer-token",
  pat: "token",
  license: "license-key",
  dsn: "credentials",
};

// A weak key with one of these words names something that is not a secret (`cache_key`, `trace_id`).
const ORDINARY_QUALIFIERS = new Set(
  (
    "cache idempotency partition sort primary foreign object routing dedup dedupe lookup row hash public bucket " +
    "map group shard composite unique record item blob metric label tag sequence schema i18n translation locale " +
    "config setting feature flag redis kv cursor page next continuation fingerprint checksum digest etag sha md5 " +
    "trace span request correlation event message user org project team channel guild build job run release " +
    "deploy deployment region zone id ids kid publishable pub idempotent nonce state customer " +
    "charge invoice subscription payment order product price"
  ).split(" "),
);

// Qualifiers that are still credentials of a provider: `discord_client_id`, `lob_publishable`, `message_bird`.
const PROVIDER_WORDS = new Set(["id", "ids", "message", "pub", "publishable"]);

/**
 * Providers whose name in a key marks its value as theirs (`adafruit_key`, `DISCORD_CLIENT_ID`, `okta=…`), as in
 * the keyword rules of gitleaks and detect-secrets.
 */
const PROVIDERS = new Set(
  (
    "adafruit adobe airtable algolia alibaba asana atlassian confluence jira beamer bitbucket bittrex meraki " +
    "cloudflare codecov cohere coinbase confluent contentful datadog dnkey discord droneci dropbox etsy facebook " +
    "fastly finicity finnhub flickr freshbooks gitter gocardless heroku hubspot intercom jfrog artifactory " +
    "bintray kraken kucoin launchdarkly linkedin mailchimp mailgun mapbox mattermost messagebird netlify newrelic " +
    "nytimes okta plaid privateai rapidapi sendbird sentry snyk sonar squarespace sumo sumologic telegram travis " +
    "twitch twitter typeform yandex zendesk contribsys cloudant softlayer ibm twilio sendgrid stripe slack github " +
    "gitlab npm pypi openai anthropic azure gcp digitalocean doppler vault pulumi terraform databricks shopify " +
    "paypal braintree auth0 firebase supabase vercel circleci buildkite pagerduty opsgenie lob linear clickhouse"
  ).split(" "),
);
// Joined provider names in one segment: `bundle_gems__contribsys__com`, `newrelic`, `sumologic`.
const PROVIDER_IN_WORD =
  /adafruit|airtable|algolia|alibaba|atlassian|bitbucket|cloudflare|contribsys|datadog|heroku|mailchimp|mailgun|newrelic|sendgrid|twilio|sumologic|launchdarkly|messagebird|squarespace/;

export interface KeyClass {
  kind: string;
  /** Strong keys have any value redacted; weak ones only a credential-like value of this certainty. */
  certainty: "strong" | Certainty;
}

function segmentsOf(key: string): string[] {
  return key
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter((s) => s !== "")
    .map((s) => s.toLowerCase());
}

function weakClass(segments: string[]): KeyClass | undefined {
  const provider = segments.some((s) => PROVIDERS.has(s)) || PROVIDER_IN_WORD.test(segments.join(""));
  // A provider's `client_id` is one of its credentials; its `user_id` or `trace_id` is not.
  const ordinary = segments.filter((s) => ORDINARY_QUALIFIERS.has(s) && !(provider && PROVIDER_WORDS.has(s)));
  if (ordinary.length > 0) return undefined;
  const word = segments.find((s) => WEAK_SEGMENTS[s] !== undefined);
  if (provider) return { kind: word ? WEAK_SEGMENTS[word] : "credentials", certainty: "provider" };
  if (!word) return undefined;
  return { kind: WEAK_SEGMENTS[word], certainty: segments.length > 1 ? "qualified" : "bare" };
}

// Logs repeat their keys: classifications are remembered (a bounded cache, emptied when full).
const known = new Map<string, KeyClass | undefined>();

/** How a key name says its value is secret, or undefined for ordinary keys. */
export function classifyKey(key: string): KeyClass | undefined {
  if (key.length === 0 || key.length > 128) return undefined;
  if (known.has(key)) return known.get(key);
  if (known.size >= 10_000) known.clear();
  const c = classify(key);
  known.set(key, c);
  return c;
}

function classify(key: string): KeyClass | undefined {
  const segments = segmentsOf(key);
  if (segments.length === 0) return undefined;
  if (segments.length > 1 && NOT_SECRET_LAST_SEGMENT.has(segments[segments.length - 1])) return undefined;
  const joined = segments.join("");
  for (const [re, kind] of STRONG_KEY_WORDS) if (re.test(joined)) return { kind, certainty: "strong" };
  for (const s of segments) {
    const kind = STRONG_SEGMENTS[s];
    if (kind) return { kind, certainty: "strong" };
  }
  return weakClass(segments);
}

/** The kind of secret a key name announces (`"password"`, `"token"`, …) whatever its value, or undefined. */
export function secretKeyKind(key: string): string | undefined {
  const c = classifyKey(key);
  return c?.certainty === "strong" ? c.kind : undefined;
}

const NOT_A_SECRET_VALUE =
  /^(?:|true|false|null|nil|none|undefined|yes|no|n\/a|-|\*+|x{3,}|\.\.\.|…|redacted|hidden|masked|required|missing|invalid|empty|expired|incorrect|wrong|mismatch|unset|not set|<redacted>|\[redacted[^\]]*\])$/i;

/** Whether a value under a secret key is worth a placeholder (`password=***` and `session=42` are not). */
export function worthRedacting(kind: string, value: string): boolean {
  const v = value.trim();
  if (NOT_A_SECRET_VALUE.test(v)) return false;
  if (v.length < 4 && !/[A-Za-z0-9]/.test(v)) return false; // `=`, `-`, `""`: a separator, not a value
  if ((kind === "session" || kind === "auth") && /^\d{1,6}$/.test(v)) return false;
  return true;
}
