// Credentials that announce themselves by their shape: provider tokens with a fixed prefix or layout, webhook
// URLs that embed their secret, JWTs. Written from the providers' documented formats and the kinds that the
// public scanners (gitleaks' default rules, secretlint's recommended preset, detect-secrets' plugins) know.

import { type Context, L, R, sub, type Rule } from "./engine.js";

export interface TokenShape {
  kind: string;
  /** Regex source, matched between token boundaries. */
  source: string;
  /** Extra check on the whole match; declined matches stay. */
  valid?: (match: string) => boolean;
}

const hasDigitAndLetter = (s: string): boolean => /\d/.test(s) && /[A-Za-z]/.test(s);
const mixedCase = (s: string): boolean => /[a-z]/.test(s) && /[A-Z]/.test(s);
const base64Text = (s: string): string =>
  Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("latin1");

// Order matters where two shapes share a prefix: the more specific one first.
export const SHAPES: readonly TokenShape[] = [
  { kind: "github-token", source: "gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255}" },
  {
    kind: "gitlab-token",
    source:
      "gl(?:pat|dt|rt|ptt|ft|cbt|imt|oas|soat|agent|ffct|sa)-[A-Za-z0-9_\\-]{20,1000}(?:\\.[0-9a-z]{9})?|GR1348941[A-Za-z0-9_\\-]{20,100}",
  },
  { kind: "slack-token", source: "xox[abposre]-[A-Za-z0-9\\-]{10,1000}|xapp-\\d-[A-Za-z0-9\\-]{10,1000}" },
  { kind: "stripe-key", source: "(?:sk|rk|pk)_(?:live|test|prod)_[A-Za-z0-9]{10,1000}" },
  { kind: "stripe-webhook-secret", source: "whsec_[A-Za-z0-9]{20,1000}" },
  { kind: "sendgrid-key", source: "SG\\.[A-Za-z0-9_\\-]{16,32}\\.[A-Za-z0-9_\\-]{16,64}" },
  { kind: "sendinblue-key", source: "xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}" },
  { kind: "twilio-api-key", source: "SK[0-9a-fA-F]{32}" },
  { kind: "twilio-account-sid", source: "AC[0-9a-f]{32}" },
  { kind: "npm-token", source: "npm_[A-Za-z0-9]{36,255}" },
  { kind: "anthropic-key", source: "sk-ant-[A-Za-z0-9_\\-]{20,1000}" },
  {
    kind: "openai-key",
    source: "sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\\-]{20,1000}",
    valid: hasDigitAndLetter,
  },
  { kind: "perplexity-key", source: "pplx-[A-Za-z0-9]{48}" },
  { kind: "google-api-key", source: "AIza[0-9A-Za-z_\\-]{35}" },
  { kind: "google-oauth-token", source: "ya29\\.[0-9A-Za-z_\\-]{20,4096}" },
  { kind: "google-refresh-token", source: "1//0[0-9A-Za-z_\\-]{30,1000}" },
  { kind: "google-client-secret", source: "GOCSPX-[A-Za-z0-9_\\-]{20,100}" },
  {
    kind: "aws-access-key-id",
    source: "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}",
  },
  { kind: "alibaba-access-key-id", source: "LTAI[A-Za-z0-9]{20}" },
  { kind: "huggingface-token", source: "hf_[A-Za-z0-9]{30,100}|api_org_[A-Za-z0-9]{30,100}" },
  { kind: "shopify-token", source: "shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}" },
  { kind: "digitalocean-token", source: "do[opr]_v1_[a-f0-9]{64}" },
  { kind: "pypi-token", source: "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\\-]{50,1000}" },
  { kind: "rubygems-token", source: "rubygems_[a-f0-9]{48}" },
  { kind: "docker-token", source: "dckr_pat_[A-Za-z0-9_\\-]{20,100}" },
  { kind: "mailgun-key", source: "(?:pub)?key-[0-9a-f]{32}" },
  { kind: "mailchimp-key", source: "[0-9a-f]{32}-us\\d{1,2}" },
  { kind: "age-secret-key", source: "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}" },
  {
    kind: "1password-secret-key",
    source: "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
  },
  { kind: "1password-token", source: "ops_eyJ[A-Za-z0-9+/]{100,4096}={0,3}" },
  { kind: "adobe-client-secret", source: "p8e-[A-Za-z0-9]{32}" },
  { kind: "artifactory-token", source: "AKC[A-Za-z0-9]{10,200}|cmVmd[A-Za-z0-9]{59}", valid: mixedCase },
  { kind: "atlassian-token", source: "AT[AC]TT3[A-Za-z0-9_\\-=]{100,300}" },
  {
    kind: "authress-key",
    source:
      "(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\\.[A-Za-z0-9]{4,6}\\.acc[_-][A-Za-z0-9-]{10,32}\\.[A-Za-z0-9+/_=-]{30,120}",
  },
  { kind: "azure-ad-client-secret", source: "[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}" },
  { kind: "clickhouse-key", source: "4b1d[A-Za-z0-9]{38}", valid: mixedCase },
  { kind: "clojars-token", source: "CLOJARS_[A-Za-z0-9]{60}" },
  { kind: "cloudflare-origin-ca-key", source: "v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}" },
  { kind: "databricks-token", source: "dapi[a-f0-9]{32}(?:-\\d)?" },
  { kind: "doppler-token", source: "dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,44}" },
  { kind: "duffel-token", source: "duffel_(?:test|live)_[A-Za-z0-9_=\\-]{43}" },
  { kind: "dynatrace-token", source: "dt0c01\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{64}" },
  { kind: "easypost-token", source: "EZ[AT]K[A-Za-z0-9]{54}" },
  { kind: "facebook-token", source: "EAA[MC][A-Za-z0-9]{100,1000}" },
  { kind: "square-token", source: "sq0(?:atp|csp)-[A-Za-z0-9_\\\\-]{22,60}|EAAA[A-Za-z0-9_\\-]{22,60}" },
  { kind: "flutterwave-key", source: "FLW(?:SECK|PUBK)(?:_TEST)?-[A-Za-z0-9]{12,32}(?:-X)?" },
  {
    kind: "flyio-token",
    source: "fo1_[A-Za-z0-9_\\-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,4096}={0,3}|fm2_[A-Za-z0-9+/]{100,4096}={0,3}",
  },
  { kind: "frameio-token", source: "fio-u-[A-Za-z0-9_=\\-]{64}" },
  {
    kind: "grafana-token",
    source:
      "eyJrIjoi[A-Za-z0-9]{70,400}={0,3}|glc_[A-Za-z0-9+/]{32,400}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
  },
  { kind: "harness-token", source: "(?:pat|sat)\\.[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{20}" },
  { kind: "terraform-token", source: "[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=\\-]{60,70}" },
  { kind: "heroku-key", source: "HRKU-AA[0-9A-Za-z_\\-]{58}" },
  { kind: "infracost-token", source: "ico-[A-Za-z0-9]{32}" },
  { kind: "intra42-secret", source: "s-s4t2(?:ud|af)-[a-f0-9]{64}" },
  { kind: "linear-key", source: "lin_(?:api|oauth)_[A-Za-z0-9]{32,128}" },
  { kind: "maxmind-key", source: "[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk" },
  { kind: "newrelic-key", source: "NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_\\-]{32}|NRJS-[a-f0-9]{19}" },
  { kind: "notion-token", source: "ntn_\\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43}" },
  { kind: "octopus-key", source: "API-[A-Z0-9]{26}" },
  { kind: "openshift-token", source: "sha256~[A-Za-z0-9_\\-]{43}" },
  {
    kind: "plaid-token",
    source:
      "access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
  },
  { kind: "planetscale-token", source: "pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.\\-]{32,64}" },
  { kind: "postman-key", source: "PMAK-[a-f0-9]{24}-[a-f0-9]{34}" },
  { kind: "prefect-token", source: "pnu_[A-Za-z0-9]{36}" },
  { kind: "pulumi-token", source: "pul-[a-f0-9]{40}" },
  { kind: "readme-token", source: "rdme_[a-z0-9]{70}" },
  { kind: "scalingo-token", source: "tk-us-[A-Za-z0-9_\\-]{48}" },
  { kind: "sentry-token", source: "sntrys_eyJ[A-Za-z0-9+/=_]{50,1000}|sntryu_[a-f0-9]{64}" },
  { kind: "settlemint-token", source: "sm_(?:aat|pat|sat)_[A-Za-z0-9]{16}" },
  { kind: "shippo-token", source: "shippo_(?:live|test)_[a-fA-F0-9]{40}" },
  { kind: "sourcegraph-token", source: "sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}" },
  { kind: "typeform-token", source: "tfp_[A-Za-z0-9_.=\\-]{59}" },
  {
    kind: "vault-token",
    source: "hv[sbr]\\.[A-Za-z0-9_\\-]{90,300}|s\\.[A-Za-z0-9]{24}",
    valid: hasDigitAndLetter,
  },
  {
    kind: "yandex-key",
    source: "t1\\.[A-Za-z0-9_\\-]+=*\\.[A-Za-z0-9_\\-]{86}=*|AQVN[A-Za-z0-9_\\-]{35,38}",
  },
  { kind: "mapbox-token", source: "[pst]k\\.eyJ[A-Za-z0-9_\\-]{50,400}\\.[A-Za-z0-9_\\-]{20,100}" },
  {
    kind: "discord-bot-token",
    source: "[MNO][A-Za-z0-9_\\-]{23,25}\\.[A-Za-z0-9_\\-]{6}\\.[A-Za-z0-9_\\-]{27,38}",
    // The first part is the bot's user id (a snowflake) in base64.
    valid: (m) => /^\d{17,20}$/.test(base64Text(m.slice(0, m.indexOf(".")))),
  },
  { kind: "twitter-bearer-token", source: "A{22}[A-Za-z0-9%]{80,100}" },
  {
    kind: "jwt",
    // A JWT that was base64-encoded once more (`ZXlK` is base64 of `eyJ`).
    source: "ZXlK[A-Za-z0-9/+_\\-]{40,8192}={0,2}",
    valid: (m) => /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.test(base64Text(m)),
  },
];

// Telegram bot tokens: `<bot id>:<35 characters>`, also straight after `/bot` in the Bot API's URLs.
const TELEGRAM =
  /(?:(?<=\/bot)|(?<![A-Za-z0-9_:-]))(?:\d{8,10}:[A-Za-z0-9_-]{35}|\d{5,16}:A[A-Za-z0-9_-]{34})(?![A-Za-z0-9_-])/g;

const SHAPES_RE = new RegExp(
  L + "(?:" + SHAPES.map((s, i) => `(?<s${i}>${s.source})`).join("|") + ")" + R,
  "g",
);
// Only texts holding one of these can hold a shape above.
// Only runs holding one of these can hold a shape above: a literal part of every shape, so that the long runs
// of ordinary text (paths, URLs, ids) skip the shapes altogether.
const SHAPES_HINT = new RegExp(
  [
    "gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt|ft|cbt|imt|oas|soat|agent|ffct|sa)-|GR1348941|xox[abposre]-|xapp-",
    "_(?:live|test|prod)_|whsec_|SG\\.|xkeysib-|SK[0-9a-fA-F]{32}|AC[0-9a-f]{32}|npm_|sk-|pplx-|AIza|ya29\\.|1//0",
    "GOCSPX-|A3T|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA|LTAI|hf_|api_org_|shp(?:at|ca|pa|ss)_",
    "do[opr]_v1_|pypi-|rubygems_|dckr_pat_|key-|-us\\d|AGE-SECRET|A3-|ops_eyJ|p8e-|AKC|cmVmd|AT[AC]TT3|\\.acc[_-]",
    "\\dQ~|4b1d|CLOJARS_|v1\\.0-|dapi|dp\\.(?:pt|st|sa|ct|scim|audit)\\.|duffel_|dt0c01\\.|EZ[AT]K|EAA|sq0|FLW",
    "fo1_|fm[12][ar]?_|fio-u-|eyJrIjoi|glc_|glsa_|[ps]at\\.|\\.atlasv1\\.|HRKU-|ico-|s-s4t2|lin_(?:api|oauth)_|_mmk",
    "NR(?:AK|II|JS)-|ntn_|secret_|API-|sha256~|access-(?:sandbox|development|production)-|pscale_|PMAK-|pnu_|pul-",
    "rdme_|tk-us-|sntry[su]_|sm_[aps]at_|shippo_|sgp_|tfp_|hv[sbr]\\.|s\\.[A-Za-z0-9]{24}|t1\\.",
    "AQVN|k\\.eyJ|[MNO][A-Za-z0-9_-]{23,25}\\.|A{22}|ZXlK",
  ].join("|"),
);

// Every shape is at least 20 characters of these: the shapes are looked for only inside such runs.
const LONG_RUN = /[A-Za-z0-9_.~+/=%-]{20,}/g;

/** The shapes in one run. */
function shapesInRun(run: string, ctx: Context): string {
  return sub(run, SHAPES_RE, (m) => {
    const groups = m.groups ?? {};
    const shape = SHAPES.find((_s, n) => groups[`s${n}`] !== undefined);
    if (!shape || (shape.valid && !shape.valid(m[0]))) return undefined;
    return ctx.hide(shape.kind, "ours:provider-token");
  });
}

export function providerTokenRule(): Rule {
  const inRun = shapesInRun;
  return {
    hint: SHAPES_HINT,
    apply: (text, ctx) => text.replace(LONG_RUN, (run) => (SHAPES_HINT.test(run) ? inRun(run, ctx) : run)),
  };
}

export function telegramRule(): Rule {
  return {
    hint: /\d:[A-Za-z0-9_-]{34}/,
    apply: (text, ctx) => sub(text, TELEGRAM, () => ctx.hide("telegram-bot-token", "ours:provider-token")),
  };
}

// Shapes that are only credentials where the text says whose they are.
const IN_CONTEXT: Array<{ kind: string; context: RegExp; re: RegExp }> = [
  {
    // An Azure storage account key: 64 random bytes in base64, next to a mention of Azure storage.
    kind: "azure-storage-key",
    context: /azure|windows\.net|AccountKey|DefaultEndpointsProtocol/i,
    re: /(?<![A-Za-z0-9+/=-])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/g,
  },
  {
    // A Facebook app access token: `<app id>|<app secret>`, raw or URL-encoded.
    kind: "facebook-token",
    context: /facebook|graph\.fb|fb_|fbapp/i,
    re: /(?<![A-Za-z0-9_-])\d{15,16}(?:\||%7C)[0-9A-Za-z_-]{27,40}(?![A-Za-z0-9_-])/gi,
  },
  {
    kind: "yandex-key",
    context: /yandex/i,
    re: /(?<![A-Za-z0-9_-])YC[A-Za-z0-9_-]{38}(?![A-Za-z0-9_-])/g,
  },
  {
    // SoftLayer's SOAP and REST URLs carry the API key as a path segment.
    kind: "softlayer-key",
    context: /softlayer\.com/i,
    re: /(?<=softlayer\.com\/(?:soap|rest)\/v3(?:\.1)?\/)[a-z0-9]{64}(?![a-z0-9])/gi,
  },
];

export function inContextRules(): Rule[] {
  return IN_CONTEXT.map(({ kind, context, re }) => ({
    hint: context,
    apply: (text: string, ctx: Context) =>
      sub(text, re, (m) =>
        // An npm/SRI integrity hash is a content hash of the same shape.
        /(?:sha512-|integrity[=:"\s]+)$/.test(text.slice(Math.max(0, m.index - 20), m.index))
          ? undefined
          : ctx.hide(kind, "ours:provider-token"),
      ),
  }));
}

const WEBHOOKS: Array<[string, RegExp]> = [
  [
    "slack-webhook",
    /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{10,300}/g,
  ],
  [
    "discord-webhook",
    /https?:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{5,30}\/[A-Za-z0-9_-]{20,200}/g,
  ],
  ["teams-webhook", /https:\/\/[A-Za-z0-9-]+\.webhook\.office\.com\/webhookb2\/[^\s"'<>]{40,400}/g],
];

export function webhookRules(): Rule[] {
  return WEBHOOKS.map(([kind, re]) => ({
    hint: /hooks|webhook/,
    apply: (t: string, c: Context) => sub(t, re, () => c.hide(kind, "ours:webhook-url")),
  }));
}
