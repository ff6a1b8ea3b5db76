// The redaction catalogue: one realistic log line for each credential kind that gitleaks' default rules,
// secretlint's recommended preset and detect-secrets' plugins detect (each line names the rules it stands
// for), plus the generic forms (key=value, JSON, flags, env, URL userinfo, DSNs, command lines) with awkward
// characters; and look-alike lines that must come out unchanged. The lines and values are our own: values are
// drawn from a seeded generator, so no real-looking secret sits in this file and every run sees the same ones.

/** A line holding `secret`, which must come out as `[REDACTED:<kind>]`. */
export interface Positive {
  /** The scanner rules this line stands for, `<scanner>:<rule>`. */
  rules: string[];
  kind: string;
  secret: string;
  line: string;
}

/** A line that must come out as it went in. */
export interface Negative {
  what: string;
  line: string;
}

let seed = 1;
function nextRandom(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const DIGITS = "0123456789";
const HEX = DIGITS + "abcdef";
const B62 = LOWER + UPPER + DIGITS;
const B64 = B62 + "+/";
const URLSAFE = B62 + "-_";

/** `n` characters drawn from `chars`. */
function r(chars: string, n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += chars[Math.floor(nextRandom() * chars.length)];
  return out;
}

const b64 = (s: string): string => Buffer.from(s).toString("base64");
const b64url = (s: string): string => Buffer.from(s).toString("base64url");
const uuid = (): string => `${r(HEX, 8)}-${r(HEX, 4)}-4${r(HEX, 3)}-a${r(HEX, 3)}-${r(HEX, 12)}`;

function jwt(): string {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: r(HEX, 8) }));
  const payload = b64url(
    JSON.stringify({ sub: r(DIGITS, 9), iss: "https://auth.acme.dev", exp: 1893456000 }),
  );
  return `${header}.${payload}.${r(URLSAFE, 43)}`;
}

function pem(label: string): { body: string; text: (nl: string) => string } {
  const body = "MII" + r(B64, 61) + "\n" + r(B64, 64) + "\n" + r(B64, 40) + "==";
  const text = (nl: string) =>
    `-----BEGIN ${label}PRIVATE KEY-----${nl}${body.split("\n").join(nl)}${nl}-----END ${label}PRIVATE KEY-----`;
  return { body: body.split("\n")[1], text };
}

const positives: Positive[] = [];
function pos(rules: string, kind: string, secret: string, line: (s: string) => string): void {
  positives.push({ rules: rules.split(" ").filter(Boolean), kind, secret, line: line(secret) });
}

/** Appends one line per credential kind to `positives`. */
function generatePositives(): void {
  // ---------------------------------------------------------------------------------------------------------
  // Tokens that say whose they are

  pos(
    "gitleaks:aws-access-token secretlint:aws detect-secrets:AWSKeyDetector",
    "aws-access-key-id",
    "AKIA" + r(UPPER + "234567", 16),
    (s) =>
      `ERROR botocore InvalidClientTokenId: The security token included in the request is invalid (key ${s})`,
  );
  pos("gitleaks:aws-access-token", "aws-access-key-id", "ASIA" + r(UPPER + "234567", 16), (s) =>
    JSON.stringify({
      level: "warn",
      msg: "assume-role session expiring",
      credentials: { AccessKeyId: s, Expiration: "soon" },
    }),
  );
  pos(
    "secretlint:aws detect-secrets:AWSKeyDetector",
    "aws-secret-key",
    r(B64, 40),
    (s) => `+ export AWS_SECRET_ACCESS_KEY=${s}`,
  );
  pos(
    "secretlint:aws",
    "aws-account-id",
    r(DIGITS, 4) + "-" + r(DIGITS, 4) + "-" + r(DIGITS, 4),
    (s) => `INFO billing export started for account_id: ${s} region=eu-west-1`,
  );
  pos(
    "gitleaks:github-pat secretlint:github detect-secrets:GitHubTokenDetector",
    "github-token",
    "ghp_" + r(B62, 36),
    (s) => `remote: Invalid username or token. fatal: Authentication failed; GH_TOKEN=${s}`,
  );
  pos(
    "gitleaks:github-oauth",
    "github-token",
    "gho_" + r(B62, 36),
    (s) => `oauth callback: {"access_token":"${s}","scope":"repo"}`,
  );
  pos("gitleaks:github-app-token", "github-token", "ghs_" + r(B62, 36), (s) => `Authorization: Bearer ${s}`);
  pos(
    "gitleaks:github-app-token",
    "github-token",
    "ghu_" + r(B62, 36),
    (s) => `user-to-server token refreshed: ${s}`,
  );
  pos(
    "gitleaks:github-refresh-token",
    "github-token",
    "ghr_" + r(B62, 36),
    (s) => `refresh_token=${s}&grant_type=refresh_token`,
  );
  pos(
    "gitleaks:github-fine-grained-pat",
    "github-token",
    "github_pat_" + r(B62, 22) + "_" + r(B62, 59),
    (s) =>
      `git clone failed: could not read Password for 'https://${s}@github.com': terminal prompts disabled`,
  );
  pos(
    "gitleaks:gitlab-pat detect-secrets:GitLabTokenDetector",
    "gitlab-token",
    "glpat-" + r(URLSAFE, 20),
    (s) => `curl --header "PRIVATE-TOKEN: ${s}" https://gitlab.acme.dev/api/v4/projects`,
  );
  pos(
    "gitleaks:gitlab-pat-routable",
    "gitlab-token",
    "glpat-" + r(URLSAFE, 40) + ".01" + r(LOWER + DIGITS, 7),
    (s) => `gitlab api 401 for token ${s}`,
  );
  pos(
    "gitleaks:gitlab-deploy-token",
    "gitlab-token",
    "gldt-" + r(URLSAFE, 20),
    (s) => `registry login with deploy token ${s} failed`,
  );
  pos(
    "gitleaks:gitlab-runner-authentication-token",
    "gitlab-token",
    "glrt-" + r(URLSAFE, 20),
    (s) => `runner register: token=${s} url=https://gitlab.acme.dev`,
  );
  pos(
    "gitleaks:gitlab-runner-authentication-token-routable",
    "gitlab-token",
    "glrt-t1_" + r(URLSAFE, 27) + "." + r(LOWER + DIGITS, 9),
    (s) => `[runner] verifying ${s}`,
  );
  pos(
    "gitleaks:gitlab-ptt",
    "gitlab-token",
    "glptt-" + r(HEX, 40),
    (s) => `POST /api/v4/projects/7/trigger/pipeline token=${s}&ref=main`,
  );
  pos(
    "gitleaks:gitlab-cicd-job-token",
    "gitlab-token",
    "glcbt-" + r(B62, 2) + "_" + r(URLSAFE, 20),
    (s) => `CI_JOB_TOKEN=${s}`,
  );
  pos(
    "gitleaks:gitlab-feed-token",
    "gitlab-token",
    "glft-" + r(URLSAFE, 20),
    (s) => `GET /dashboard/issues.atom?feed_token=${s}`,
  );
  pos(
    "gitleaks:gitlab-feature-flag-client-token",
    "gitlab-token",
    "glffct-" + r(URLSAFE, 20),
    (s) => `unleash client init instanceId=${s}`,
  );
  pos(
    "gitleaks:gitlab-incoming-mail-token",
    "gitlab-token",
    "glimt-" + r(URLSAFE, 25),
    (s) => `incoming mail address reply+${s}@gitlab.acme.dev`,
  );
  pos(
    "gitleaks:gitlab-kubernetes-agent-token",
    "gitlab-token",
    "glagent-" + r(URLSAFE, 50),
    (s) => `agentk: --token-file contents ${s}`,
  );
  pos(
    "gitleaks:gitlab-oauth-app-secret",
    "gitlab-token",
    "gloas-" + r(URLSAFE, 64),
    (s) => `oidc app secret ${s} rejected`,
  );
  pos(
    "gitleaks:gitlab-scim-token",
    "gitlab-token",
    "glsoat-" + r(URLSAFE, 20),
    (s) => `scim sync using ${s}`,
  );
  pos(
    "gitleaks:gitlab-rrt",
    "gitlab-token",
    "GR1348941" + r(URLSAFE, 20),
    (s) => `gitlab-runner register --registration-token ${s}`,
  );
  pos(
    "gitleaks:gitlab-session-cookie",
    "session",
    r(HEX, 32),
    (s) => `Cookie-less request, _gitlab_session=${s} from query`,
  );
  pos(
    "gitleaks:slack-bot-token secretlint:slack detect-secrets:SlackDetector",
    "slack-token",
    `xoxb-${r(DIGITS, 12)}-${r(DIGITS, 13)}-${r(B62, 24)}`,
    (s) => `slack_sdk.errors.SlackApiError: invalid_auth (token ${s})`,
  );
  pos(
    "gitleaks:slack-legacy-bot-token",
    "slack-token",
    `xoxb-${r(DIGITS, 11)}-${r(B62, 24)}`,
    (s) => `hubot: connecting with ${s}`,
  );
  pos(
    "gitleaks:slack-user-token",
    "slack-token",
    `xoxp-${r(DIGITS, 12)}-${r(DIGITS, 12)}-${r(DIGITS, 13)}-${r(HEX, 32)}`,
    (s) => `{"slack":{"user_token":"${s}"}}`,
  );
  pos(
    "gitleaks:slack-app-token",
    "slack-token",
    `xapp-1-A${r(UPPER + DIGITS, 10)}-${r(DIGITS, 13)}-${r(HEX, 64)}`,
    (s) => `socket mode connect app_token=${s}`,
  );
  pos(
    "gitleaks:slack-legacy-workspace-token",
    "slack-token",
    `xoxa-2-${r(B62, 30)}`,
    (s) => `workspace token ${s} revoked`,
  );
  pos(
    "gitleaks:slack-legacy-token",
    "slack-token",
    `xoxs-${r(DIGITS, 10)}-${r(DIGITS, 10)}-${r(DIGITS, 12)}-${r(HEX, 64)}`,
    (s) => `legacy ${s}`,
  );
  pos(
    "gitleaks:slack-config-access-token",
    "slack-token",
    `xoxe.xoxp-1-${r(UPPER + DIGITS, 164)}`,
    (s) => `config token: ${s}`,
  );
  pos(
    "gitleaks:slack-config-refresh-token",
    "slack-token",
    `xoxe-1-${r(UPPER + DIGITS, 146)}`,
    (s) => `tooling.tokens.rotate refresh_token=${s}`,
  );
  pos(
    "gitleaks:slack-webhook-url secretlint:slack",
    "slack-webhook",
    `https://hooks.slack.com/services/T${r(UPPER + DIGITS, 10)}/B${r(UPPER + DIGITS, 10)}/${r(B62, 24)}`,
    (s) => `alert delivery failed: POST ${s} returned 404 no_service`,
  );
  pos(
    "ours:discord-webhook",
    "discord-webhook",
    `https://discord.com/api/webhooks/${r(DIGITS, 18)}/${r(URLSAFE, 68)}`,
    (s) => `notify: ${s} 429 rate limited`,
  );
  pos(
    "detect-secrets:DiscordBotTokenDetector",
    "discord-bot-token",
    `${b64(r("123456789", 1) + r(DIGITS, 17))}.${r(URLSAFE, 6)}.${r(URLSAFE, 27)}`,
    (s) => `discord.errors.LoginFailure: Improper token has been passed: ${s}`,
  );
  pos(
    "gitleaks:microsoft-teams-webhook",
    "teams-webhook",
    `https://acme.webhook.office.com/webhookb2/${uuid()}@${uuid()}/IncomingWebhook/${r(HEX, 32)}/${uuid()}`,
    (s) => `teams notifier: webhook ${s} gone (410)`,
  );
  pos(
    "gitleaks:stripe-access-token detect-secrets:StripeDetector",
    "stripe-key",
    "sk_live_" + r(B62, 24),
    (s) => `stripe.error.AuthenticationError: Invalid API Key provided: ${s}`,
  );
  pos("gitleaks:stripe-access-token", "stripe-key", "rk_prod_" + r(B62, 24), (s) => `STRIPE_RESTRICTED=${s}`);
  pos(
    "gitleaks:sendgrid-api-token secretlint:sendgrid detect-secrets:SendGridDetector",
    "sendgrid-key",
    `SG.${r(URLSAFE, 22)}.${r(URLSAFE, 43)}`,
    (s) => `mailer: sendgrid responded 401 for key ${s}`,
  );
  pos(
    "gitleaks:sendinblue-api-token",
    "sendinblue-key",
    `xkeysib-${r(HEX, 64)}-${r(B62, 16)}`,
    (s) => `brevo client api-key: ${s}`,
  );
  pos(
    "gitleaks:twilio-api-key detect-secrets:TwilioKeyDetector",
    "twilio-api-key",
    "SK" + r(HEX, 32),
    (s) => `twilio: creating client with api key sid ${s}`,
  );
  pos(
    "detect-secrets:TwilioKeyDetector",
    "twilio-account-sid",
    "AC" + r(HEX, 32),
    (s) => `POST /2010-04-01/Accounts/${s}/Messages.json 401`,
  );
  pos(
    "gitleaks:npm-access-token secretlint:npm detect-secrets:NpmDetector",
    "npm-token",
    "npm_" + r(B62, 36),
    (s) => `npm ERR! 403 Forbidden - PUT https://registry.npmjs.org/@acme%2fui - token ${s} lacks publish`,
  );
  pos("secretlint:npm", "token", r(URLSAFE, 36), (s) => `.npmrc: //registry.npmjs.org/:_authToken=${s}`);
  pos(
    "gitleaks:pypi-upload-token detect-secrets:PypiTokenDetector",
    "pypi-token",
    "pypi-AgEIcHlwaS5vcmc" + r(URLSAFE, 70),
    (s) => `twine upload -u __token__ -p ${s} dist/*`,
  );
  pos(
    "gitleaks:rubygems-api-token",
    "rubygems-token",
    "rubygems_" + r(HEX, 48),
    (s) => `GEM_HOST_API_KEY=${s} gem push acme-1.2.0.gem`,
  );
  pos(
    "gitleaks:clojars-api-token",
    "clojars-token",
    "CLOJARS_" + r(LOWER + DIGITS, 60),
    (s) => `lein deploy clojars: password ${s}`,
  );
  pos(
    "gitleaks:openai-api-key secretlint:openai detect-secrets:OpenAIDetector",
    "openai-key",
    `sk-proj-${r(URLSAFE, 74)}T3BlbkFJ${r(URLSAFE, 74)}`,
    (s) => `openai.AuthenticationError: Incorrect API key provided: ${s}`,
  );
  pos(
    "gitleaks:openai-api-key",
    "openai-key",
    `sk-${r(B62, 20)}T3BlbkFJ${r(B62, 20)}`,
    (s) => `llm gateway: upstream key ${s} rejected`,
  );
  pos(
    "gitleaks:anthropic-api-key secretlint:anthropic",
    "anthropic-key",
    `sk-ant-api03-${r(URLSAFE, 93)}AA`,
    (s) => `x-api-key: ${s}`,
  );
  pos(
    "gitleaks:anthropic-admin-api-key",
    "anthropic-key",
    `sk-ant-admin01-${r(URLSAFE, 93)}AA`,
    (s) => `admin client init key=${s}`,
  );
  pos(
    "gitleaks:perplexity-api-key",
    "perplexity-key",
    "pplx-" + r(B62, 48),
    (s) => `search provider perplexity with ${s}`,
  );
  pos(
    "gitleaks:gcp-api-key",
    "google-api-key",
    "AIza" + r(URLSAFE, 35),
    (s) => `GET https://maps.googleapis.com/maps/api/geocode/json?address=x&key=${s} 403`,
  );
  pos(
    "gitleaks:gcp-api-key",
    "google-oauth-token",
    "ya29." + r(URLSAFE, 120),
    (s) => `google.auth: using cached access token ${s}`,
  );
  pos(
    "gitleaks:gcp-api-key",
    "google-refresh-token",
    "1//0" + r(URLSAFE, 60),
    (s) => `{"refresh_token":"${s}"}`,
  );
  pos(
    "gitleaks:gcp-api-key",
    "google-client-secret",
    "GOCSPX-" + r(URLSAFE, 28),
    (s) => `oauth2 client configured secret ${s}`,
  );
  pos(
    "gitleaks:huggingface-access-token",
    "huggingface-token",
    "hf_" + r(LOWER + UPPER, 34),
    (s) => `huggingface_hub: 401 Client Error for token ${s}`,
  );
  pos(
    "gitleaks:huggingface-organization-api-token",
    "huggingface-token",
    "api_org_" + r(LOWER + UPPER, 34),
    (s) => `HF org token ${s}`,
  );
  pos(
    "gitleaks:shopify-access-token secretlint:shopify",
    "shopify-token",
    "shpat_" + r(HEX, 32),
    (s) => `X-Shopify-Access-Token: ${s}`,
  );
  pos(
    "gitleaks:shopify-custom-access-token",
    "shopify-token",
    "shpca_" + r(HEX, 32),
    (s) => `custom app ${s}`,
  );
  pos(
    "gitleaks:shopify-private-app-access-token",
    "shopify-token",
    "shppa_" + r(HEX, 32),
    (s) => `private app ${s}`,
  );
  pos(
    "gitleaks:shopify-shared-secret",
    "shopify-token",
    "shpss_" + r(HEX, 32),
    (s) => `webhook hmac secret ${s}`,
  );
  pos(
    "gitleaks:digitalocean-pat",
    "digitalocean-token",
    "dop_v1_" + r(HEX, 64),
    (s) => `doctl auth init -t ${s}`,
  );
  pos(
    "gitleaks:digitalocean-access-token",
    "digitalocean-token",
    "doo_v1_" + r(HEX, 64),
    (s) => `oauth access ${s}`,
  );
  pos(
    "gitleaks:digitalocean-refresh-token",
    "digitalocean-token",
    "dor_v1_" + r(HEX, 64),
    (s) => `oauth refresh ${s}`,
  );
  pos(
    "gitleaks:generic-api-key",
    "docker-token",
    "dckr_pat_" + r(URLSAFE, 27),
    (s) => `docker login -u acme -p ${s} registry-1.docker.io`,
  );
  pos(
    "gitleaks:mailgun-private-api-token",
    "mailgun-key",
    "key-" + r(HEX, 32),
    (s) => `mailgun: sending with api key ${s}`,
  );
  pos("gitleaks:mailgun-pub-key", "mailgun-key", "pubkey-" + r(HEX, 32), (s) => `MAILGUN_PUBKEY=${s}`);
  pos(
    "gitleaks:mailgun-signing-key",
    "secret-key",
    `${r("abcdefgh" + DIGITS, 32)}-${r("abcdefgh" + DIGITS, 8)}-${r("abcdefgh" + DIGITS, 8)}`,
    (s) => `mailgun_signing_key: ${s}`,
  );
  pos(
    "gitleaks:mailchimp-api-key detect-secrets:MailchimpDetector",
    "mailchimp-key",
    r(HEX, 32) + "-us14",
    (s) => `mailchimp3.MailChimp(mc_api=${s})`,
  );
  pos(
    "gitleaks:age-secret-key",
    "age-secret-key",
    "AGE-SECRET-KEY-1" + r("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
    (s) => `sops: decrypt with ${s}`,
  );
  pos(
    "gitleaks:1password-secret-key",
    "1password-secret-key",
    `A3-${r(UPPER + DIGITS, 6)}-${r(UPPER + DIGITS, 11)}-${r(UPPER + DIGITS, 5)}-${r(UPPER + DIGITS, 5)}-${r(UPPER + DIGITS, 5)}`,
    (s) => `op signin: secret key ${s} not accepted`,
  );
  pos(
    "gitleaks:1password-service-account-token secretlint:1password",
    "1password-token",
    "ops_" +
      b64(
        JSON.stringify({
          signInAddress: "acme.1password.com",
          userAuth: { method: "SRPg-4096", alg: "PBES2g-HS256", iterations: 650000, salt: r(URLSAFE, 22) },
          email: `${r(LOWER, 12)}@1passwordserviceaccounts.com`,
          srpX: r(HEX, 64),
          muk: {
            alg: "A256GCM",
            ext: true,
            k: r(URLSAFE, 43),
            key_ops: ["encrypt", "decrypt"],
            kty: "oct",
            kid: "mp",
          },
          secretKey: `A3-${r(UPPER + DIGITS, 6)}`,
          throttleSecret: { seed: r(HEX, 64), deviceUuid: r(LOWER + DIGITS, 26) },
          deviceUuid: r(LOWER + DIGITS, 26),
        }),
      ).replace(/=+$/, ""),
    (s) => `OP_SERVICE_ACCOUNT_TOKEN=${s}`,
  );
  pos(
    "gitleaks:adobe-client-secret",
    "adobe-client-secret",
    "p8e-" + r(B62, 32),
    (s) => `adobe ims token exchange with client_secret ${s}`,
  );
  pos(
    "gitleaks:alibaba-access-key-id",
    "alibaba-access-key-id",
    "LTAI" + r(B62, 20),
    (s) => `aliyun oss: InvalidAccessKeyId.NotFound ${s}`,
  );
  pos(
    "gitleaks:artifactory-api-key detect-secrets:ArtifactoryDetector",
    "artifactory-token",
    "AKCp" + r(B62, 69),
    (s) => `jfrog rt ping --apikey=${s}`,
  );
  pos(
    "gitleaks:artifactory-reference-token",
    "artifactory-token",
    "cmVmd" + r(B62, 59),
    (s) => `ARTIFACTORY_ACCESS_TOKEN=${s}`,
  );
  pos(
    "gitleaks:atlassian-api-token",
    "atlassian-token",
    "ATATT3" + r(URLSAFE + "=", 186),
    (s) => `jira client: basic auth bob:${s} rejected`,
  );
  pos(
    "gitleaks:authress-service-client-access-key",
    "authress-key",
    `sc_${r(LOWER + DIGITS, 12)}.${r(LOWER, 5)}.acc_${r(LOWER + DIGITS, 20)}.${r(URLSAFE, 60)}`,
    (s) => `authress: service client key ${s}`,
  );
  pos(
    "gitleaks:azure-ad-client-secret",
    "azure-ad-client-secret",
    `${r(B62, 3)}8Q~${r(B62 + "_~.-", 34)}`,
    (s) => `msal: AADSTS7000215 invalid client secret provided (${s})`,
  );
  pos(
    "detect-secrets:AzureStorageKeyDetector",
    "secret-key",
    r(B64, 86) + "==",
    (s) =>
      `DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey=${s};EndpointSuffix=core.windows.net`,
  );
  pos(
    "detect-secrets:AzureStorageKeyDetector",
    "azure-storage-key",
    r(B64, 86) + "==",
    (s) => `azure blob upload failed, storage key in use: ${s}`,
  );
  pos(
    "gitleaks:clickhouse-cloud-api-secret-key",
    "clickhouse-key",
    "4b1d" + r(B62, 38),
    (s) => `clickhouse cloud api secret ${s}`,
  );
  pos(
    "gitleaks:cloudflare-origin-ca-key",
    "cloudflare-origin-ca-key",
    `v1.0-${r(HEX, 24)}-${r(HEX, 146)}`,
    (s) => `origin ca request with ${s}`,
  );
  pos(
    "gitleaks:databricks-api-token",
    "databricks-token",
    "dapi" + r(HEX, 32),
    (s) => `databricks-cli: token ${s} expired`,
  );
  pos(
    "gitleaks:doppler-api-token",
    "doppler-token",
    "dp.pt." + r(B62, 43),
    (s) => `DOPPLER_TOKEN=${s} doppler run -- node server.js`,
  );
  pos(
    "gitleaks:duffel-api-token",
    "duffel-token",
    "duffel_live_" + r(URLSAFE, 43),
    (s) => `duffel: Authorization failed for ${s}`,
  );
  pos(
    "gitleaks:dynatrace-api-token",
    "dynatrace-token",
    `dt0c01.${r(UPPER + DIGITS, 24)}.${r(UPPER + DIGITS, 64)}`,
    (s) => `oneagent: Api-Token ${s}`,
  );
  pos(
    "gitleaks:easypost-api-token",
    "easypost-token",
    "EZAK" + r(B62, 54),
    (s) => `easypost shipment create key=${s}`,
  );
  pos(
    "gitleaks:easypost-test-api-token",
    "easypost-token",
    "EZTK" + r(B62, 54),
    (s) => `easypost test key ${s}`,
  );
  pos(
    "gitleaks:facebook-page-access-token",
    "facebook-token",
    "EAAC" + r(B62, 120),
    (s) => `graph api: (#190) page token ${s} expired`,
  );
  pos(
    "gitleaks:facebook-access-token",
    "facebook-token",
    r(DIGITS, 15) + "|" + r(URLSAFE, 27),
    (s) => `facebook graph GET /me?access_token=${s}`,
  );
  pos(
    "gitleaks:flutterwave-secret-key",
    "flutterwave-key",
    `FLWSECK_TEST-${r(HEX, 32)}-X`,
    (s) => `flutterwave charge: secret ${s}`,
  );
  pos(
    "gitleaks:flutterwave-public-key",
    "flutterwave-key",
    `FLWPUBK_TEST-${r(HEX, 32)}-X`,
    (s) => `flutterwave init public ${s}`,
  );
  pos(
    "gitleaks:flutterwave-encryption-key",
    "flutterwave-key",
    `FLWSECK_TEST-${r(HEX, 12)}`,
    (s) => `flutterwave enc ${s}`,
  );
  pos(
    "gitleaks:flyio-access-token",
    "flyio-token",
    "fm2_" + r(B64, 180),
    (s) => `flyctl deploy: FLY_API_TOKEN=${s}`,
  );
  pos(
    "gitleaks:frameio-api-token",
    "frameio-token",
    "fio-u-" + r(URLSAFE, 64),
    (s) => `frame.io upload token ${s}`,
  );
  pos(
    "gitleaks:grafana-api-key",
    "grafana-token",
    "eyJrIjoi" + r(B62, 80),
    (s) => `grafana: Authorization: Bearer ${s}`,
  );
  pos(
    "gitleaks:grafana-cloud-api-token",
    "grafana-token",
    "glc_" + r(B64, 60),
    (s) => `GRAFANA_CLOUD_TOKEN=${s}`,
  );
  pos(
    "gitleaks:grafana-service-account-token",
    "grafana-token",
    `glsa_${r(B62, 32)}_${r(HEX, 8)}`,
    (s) => `grafana sa token ${s}`,
  );
  pos(
    "gitleaks:harness-api-key",
    "harness-token",
    `pat.${r(URLSAFE, 22)}.${r(B62, 24)}.${r(B62, 20)}`,
    (s) => `harness ng-api x-api-key ${s}`,
  );
  pos(
    "gitleaks:hashicorp-tf-api-token",
    "terraform-token",
    `${r(B62, 14)}.atlasv1.${r(URLSAFE, 67)}`,
    (s) => `terraform login: credentials "app.terraform.io" token "${s}"`,
  );
  pos(
    "gitleaks:heroku-api-key-v2",
    "heroku-key",
    "HRKU-AA" + r(URLSAFE, 58),
    (s) => `heroku-cli: ${s} unauthorized`,
  );
  pos(
    "gitleaks:infracost-api-token",
    "infracost-token",
    "ico-" + r(B62, 32),
    (s) => `infracost breakdown --api-key ${s}`,
  );
  pos(
    "gitleaks:intra42-client-secret",
    "intra42-secret",
    "s-s4t2ud-" + r(HEX, 64),
    (s) => `intra oauth secret ${s}`,
  );
  pos(
    "gitleaks:linear-api-key secretlint:linear",
    "linear-key",
    "lin_api_" + r(B62, 40),
    (s) => `linear sdk: Authentication required, key ${s}`,
  );
  pos(
    "gitleaks:maxmind-license-key",
    "maxmind-key",
    `${r(B62, 6)}_${r(B62, 29)}_mmk`,
    (s) => `geoipupdate: LicenseKey ${s} invalid`,
  );
  pos(
    "gitleaks:new-relic-user-api-key",
    "newrelic-key",
    "NRAK-" + r(UPPER + DIGITS, 27),
    (s) => `newrelic nerdgraph API-Key: ${s}`,
  );
  pos(
    "gitleaks:new-relic-insert-key",
    "newrelic-key",
    "NRII-" + r(B62 + "-", 32),
    (s) => `new_relic insert ${s}`,
  );
  pos(
    "gitleaks:new-relic-browser-api-token",
    "newrelic-key",
    "NRJS-" + r(HEX, 19),
    (s) => `nr browser agent licenseKey ${s}`,
  );
  pos(
    "gitleaks:notion-api-token",
    "notion-token",
    `ntn_${r(DIGITS, 11)}${r(B62, 35)}`,
    (s) => `notion client: unauthorized ${s}`,
  );
  pos(
    "gitleaks:octopus-deploy-api-key",
    "octopus-key",
    "API-" + r(UPPER + DIGITS, 26),
    (s) => `octo push --apiKey ${s} --server https://deploy.acme.dev`,
  );
  pos(
    "gitleaks:openshift-user-token",
    "openshift-token",
    "sha256~" + r(URLSAFE, 43),
    (s) => `oc login --token=${s} --server=https://api.ocp.acme.dev:6443`,
  );
  pos("gitleaks:plaid-api-token", "plaid-token", `access-sandbox-${uuid()}`, (s) => `plaid item get ${s}`);
  pos(
    "gitleaks:planetscale-api-token",
    "planetscale-token",
    "pscale_tkn_" + r(URLSAFE, 43),
    (s) => `pscale auth: service token ${s}`,
  );
  pos(
    "gitleaks:planetscale-oauth-token",
    "planetscale-token",
    "pscale_oauth_" + r(URLSAFE, 43),
    (s) => `pscale oauth ${s}`,
  );
  pos(
    "gitleaks:planetscale-password",
    "planetscale-token",
    "pscale_pw_" + r(URLSAFE, 43),
    (s) => `PLANETSCALE_PASSWORD=${s} pscale connect app main`,
  );
  pos(
    "gitleaks:postman-api-token",
    "postman-key",
    `PMAK-${r(HEX, 24)}-${r(HEX, 34)}`,
    (s) => `newman run collection.json --postman-api-key ${s}`,
  );
  pos(
    "gitleaks:prefect-api-token",
    "prefect-token",
    "pnu_" + r(B62, 36),
    (s) => `prefect cloud login -k ${s}`,
  );
  pos(
    "gitleaks:pulumi-api-token",
    "pulumi-token",
    "pul-" + r(HEX, 40),
    (s) => `PULUMI_ACCESS_TOKEN=${s} pulumi up`,
  );
  pos(
    "gitleaks:readme-api-token",
    "readme-token",
    "rdme_" + r(LOWER + DIGITS, 70),
    (s) => `rdme openapi --key=${s}`,
  );
  pos(
    "gitleaks:scalingo-api-token",
    "scalingo-token",
    "tk-us-" + r(URLSAFE, 48),
    (s) => `scalingo login --api-token ${s}`,
  );
  pos(
    "gitleaks:sentry-org-token",
    "sentry-token",
    `sntrys_eyJpYXQiOjE3MDAwMDAwMDAuMCwidXJsIjoiaHR0cHM6Ly9zZW50cnkuaW8iLCJyZWdpb25fdXJsIjoiaHR0cHM6Ly91cy5zZW50cnkuaW8iLCJvcmciOiJhY21lIn0_${r(B64, 43)}`,
    (s) => `sentry-cli releases new: auth token ${s}`,
  );
  pos("gitleaks:sentry-user-token", "sentry-token", "sntryu_" + r(HEX, 64), (s) => `SENTRY_AUTH_TOKEN=${s}`);
  pos(
    "gitleaks:settlemint-personal-access-token",
    "settlemint-token",
    "sm_pat_" + r(B62, 16),
    (s) => `settlemint login ${s}`,
  );
  pos(
    "gitleaks:settlemint-application-access-token",
    "settlemint-token",
    "sm_aat_" + r(B62, 16),
    (s) => `settlemint app ${s}`,
  );
  pos(
    "gitleaks:settlemint-service-access-token",
    "settlemint-token",
    "sm_sat_" + r(B62, 16),
    (s) => `settlemint svc ${s}`,
  );
  pos(
    "gitleaks:shippo-api-token",
    "shippo-token",
    "shippo_live_" + r(HEX, 40),
    (s) => `shippo: ShippoToken ${s} invalid`,
  );
  pos(
    "gitleaks:sourcegraph-access-token",
    "sourcegraph-token",
    "sgp_" + r(HEX, 16) + "_" + r(HEX, 40),
    (s) => `src-cli: SRC_ACCESS_TOKEN ${s}`,
  );
  pos(
    "gitleaks:square-access-token",
    "square-token",
    "sq0atp-" + r(URLSAFE, 22),
    (s) => `square payments: access token ${s}`,
  );
  pos(
    "gitleaks:square-access-token",
    "square-token",
    "EAAA" + r(URLSAFE, 60),
    (s) => `square v2 client ${s}`,
  );
  pos(
    "detect-secrets:SquareOAuthDetector",
    "square-token",
    "sq0csp-" + r(URLSAFE, 43),
    (s) => `square oauth app secret ${s}`,
  );
  pos(
    "gitleaks:typeform-api-token",
    "typeform-token",
    "tfp_" + r(URLSAFE, 59),
    (s) => `typeform responses fetch with ${s}`,
  );
  pos("gitleaks:vault-service-token", "vault-token", "hvs." + r(URLSAFE, 95), (s) => `X-Vault-Token: ${s}`);
  pos(
    "gitleaks:vault-service-token",
    "vault-token",
    "s." + r(LOWER, 8) + r(DIGITS, 4) + r(UPPER, 12),
    (s) => `vault: legacy token ${s} denied`,
  );
  pos("gitleaks:vault-batch-token", "vault-token", "hvb." + r(URLSAFE, 150), (s) => `vault batch ${s}`);
  pos(
    "gitleaks:yandex-access-token",
    "yandex-key",
    `t1.${r(URLSAFE, 20)}.${r(URLSAFE, 86)}`,
    (s) => `yandex iam token ${s}`,
  );
  pos("gitleaks:yandex-api-key", "yandex-key", "AQVN" + r(URLSAFE, 36), (s) => `yandex cloud api key ${s}`);
  pos(
    "gitleaks:yandex-aws-access-token",
    "yandex-key",
    "YC" + r(URLSAFE, 38),
    (s) => `yandex storage secret ${s}`,
  );
  pos(
    "gitleaks:mapbox-api-token",
    "mapbox-token",
    `pk.eyJ${r(URLSAFE, 60)}.${r(URLSAFE, 22)}`,
    (s) => `mapbox-gl: accessToken=${s}`,
  );
  pos(
    "gitleaks:twitter-bearer-token",
    "twitter-bearer-token",
    "A".repeat(22) + r(B62, 80),
    (s) => `tweepy: bearer ${s} 401`,
  );
  pos(
    "gitleaks:telegram-bot-api-token detect-secrets:TelegramBotTokenDetector",
    "telegram-bot-token",
    `${r(DIGITS, 10)}:AA${r(URLSAFE, 33)}`,
    (s) => `httpx POST https://api.telegram.org/bot${s}/sendMessage "HTTP/1.1 401 Unauthorized"`,
  );
  pos(
    "gitleaks:jwt detect-secrets:JwtTokenDetector",
    "jwt",
    jwt(),
    (s) => `request rejected: id_token ${s} signature mismatch`,
  );
  pos("gitleaks:jwt-base64", "jwt", b64(jwt()), (s) => `x-forwarded-jwt-b64 value ${s} malformed`);
  pos(
    "gitleaks:kubernetes-secret-yaml",
    "kubernetes-secret",
    b64(r(B62, 18)),
    (s) =>
      `kubectl apply: {"apiVersion":"v1","kind":"Secret","metadata":{"name":"tls-proxy"},"data":{"tls.key":"${s}"}}`,
  );

  // ---------------------------------------------------------------------------------------------------------
  // Private keys

  const rsa = pem("RSA ");
  pos(
    "gitleaks:private-key secretlint:privatekey detect-secrets:PrivateKeyDetector",
    "private-key",
    rsa.body,
    () => `config dump: tls.key=${rsa.text("\\n")}`,
  );
  const pkcs8 = pem("");
  pos("secretlint:gcp gitleaks:private-key", "private-key", pkcs8.body, () =>
    JSON.stringify({
      msg: "loaded credentials",
      key: {
        type: "service_account",
        project_id: "acme-prod",
        private_key: pkcs8.text("\n"),
        client_email: "ci@acme-prod.iam.gserviceaccount.com",
      },
    }),
  );
  const openssh = pem("OPENSSH ");
  pos(
    "gitleaks:private-key detect-secrets:PrivateKeyDetector",
    "private-key",
    openssh.body,
    () => `ssh-agent add failed: ${openssh.text(" ")}`,
  );

  // ---------------------------------------------------------------------------------------------------------
  // Keys named by their provider (gitleaks' keyword rules, detect-secrets' IBM, SoftLayer, Cloudant plugins)

  const providerKeys: Array<[string, string, string, string, string]> = [
    // [gitleaks rule, key, value characters, length, kind: from the words of the key]
    ["adafruit-api-key", "ADAFRUIT_IO_KEY", URLSAFE, "32", "secret-key"],
    ["adobe-client-id", "adobe_client_id", HEX, "32", "credentials"],
    ["airtable-api-key", "AIRTABLE_KEY", LOWER + DIGITS, "17", "secret-key"],
    ["algolia-api-key", "algolia_admin_key", LOWER + DIGITS, "32", "secret-key"],
    ["alibaba-secret-key", "alibaba_access_secret", LOWER + DIGITS, "30", "secret"],
    ["asana-client-id", "ASANA_CLIENT_ID", DIGITS, "16", "credentials"],
    ["asana-client-secret", "asana_client_secret", LOWER + DIGITS, "32", "client-secret"],
    ["atlassian-api-token", "jira_api_token", LOWER + DIGITS, "24", "api-key"],
    ["beamer-api-token", "beamer_key", "b_" + URLSAFE, "44", "secret-key"],
    ["bitbucket-client-id", "BITBUCKET_CLIENT_ID", LOWER + DIGITS, "32", "credentials"],
    ["bitbucket-client-secret", "bitbucket_client_secret", URLSAFE, "64", "client-secret"],
    ["bittrex-access-key", "bittrex_key", LOWER + DIGITS, "32", "secret-key"],
    ["bittrex-secret-key", "bittrex_secret", LOWER + DIGITS, "32", "secret"],
    ["cisco-meraki-api-key", "MERAKI_DASHBOARD_API_KEY", HEX, "40", "api-key"],
    ["cloudflare-api-key", "CLOUDFLARE_API_KEY", URLSAFE, "40", "api-key"],
    ["cloudflare-global-api-key", "cloudflare_global_key", HEX, "37", "secret-key"],
    ["codecov-access-token", "CODECOV_TOKEN", LOWER + DIGITS, "32", "token"],
    ["cohere-api-token", "CO_API_KEY", B62, "40", "api-key"],
    ["coinbase-access-token", "coinbase_access_token", URLSAFE, "64", "token"],
    ["confluent-access-token", "confluent_api_key", LOWER + DIGITS, "16", "api-key"],
    ["confluent-secret-key", "confluent_api_secret", LOWER + DIGITS, "64", "secret"],
    ["contentful-delivery-api-token", "contentful_delivery_token", URLSAFE, "43", "token"],
    ["datadog-access-token", "DATADOG_APP_KEY", LOWER + DIGITS, "40", "secret-key"],
    ["defined-networking-api-token", "dnkey", "dnkey-" + URLSAFE, "26", "credentials"],
    ["discord-api-token", "DISCORD_API", HEX, "64", "api-key"],
    ["discord-client-id", "DISCORD_CLIENT_ID", DIGITS, "18", "credentials"],
    ["discord-client-secret", "discord_client_secret", URLSAFE, "32", "client-secret"],
    ["droneci-access-token", "DRONE_TOKEN", LOWER + DIGITS, "32", "token"],
    ["dropbox-api-token", "dropbox_app_secret", LOWER + DIGITS, "15", "secret"],
    ["dropbox-long-lived-api-token", "dropbox_access", LOWER + DIGITS, "64", "secret-key"],
    ["dropbox-short-lived-api-token", "dropbox_token", "sl." + URLSAFE, "135", "token"],
    ["etsy-access-token", "ETSY_KEYSTRING", LOWER + DIGITS, "24", "credentials"],
    ["facebook-secret", "facebook_app_secret", HEX, "32", "secret"],
    ["fastly-api-token", "FASTLY_API_TOKEN", URLSAFE, "32", "api-key"],
    ["finicity-api-token", "finicity_app_key", HEX, "32", "secret-key"],
    ["finicity-client-secret", "finicity_partner_secret", LOWER + DIGITS, "20", "secret"],
    ["finnhub-access-token", "FINNHUB_KEY", LOWER + DIGITS, "20", "secret-key"],
    ["flickr-access-token", "flickr_api_key", LOWER + DIGITS, "32", "api-key"],
    ["freshbooks-access-token", "freshbooks_access", LOWER + DIGITS, "64", "secret-key"],
    ["gitter-access-token", "GITTER_TOKEN", URLSAFE, "40", "token"],
    ["gocardless-api-token", "gocardless_access", "live_" + URLSAFE, "40", "secret-key"],
    ["heroku-api-key", "HEROKU_API_KEY", "uuid", "0", "api-key"],
    ["hubspot-api-key", "hubspot_hapikey", "UUID", "0", "api-key"],
    ["intercom-api-key", "intercom_access", URLSAFE, "60", "secret-key"],
    ["jfrog-api-key", "JFROG_APIKEY", LOWER + DIGITS, "73", "api-key"],
    ["jfrog-identity-token", "artifactory_identity", LOWER + DIGITS, "64", "credentials"],
    ["kraken-access-token", "KRAKEN_PRIVATE", B64 + "=-_", "86", "credentials"],
    ["kucoin-access-token", "kucoin_key", HEX, "24", "secret-key"],
    ["kucoin-secret-key", "kucoin_secret", "uuid", "0", "secret"],
    ["launchdarkly-access-token", "LAUNCHDARKLY_SDK_KEY", URLSAFE, "40", "secret-key"],
    ["linear-client-secret", "linear_client_secret", HEX, "32", "client-secret"],
    ["linkedin-client-id", "LINKEDIN_CLIENT_ID", LOWER + DIGITS, "14", "credentials"],
    ["linkedin-client-secret", "linkedin_client_secret", LOWER + DIGITS, "16", "client-secret"],
    ["lob-api-key", "lob_key", "live_" + HEX, "35", "secret-key"],
    ["lob-pub-api-key", "LOB_PUBLISHABLE", "test_pub_" + HEX, "31", "credentials"],
    ["mattermost-access-token", "MATTERMOST_TOKEN", LOWER + DIGITS, "26", "token"],
    ["messagebird-api-token", "messagebird_access_key", LOWER + DIGITS, "25", "secret-key"],
    ["messagebird-client-id", "message_bird_client", "uuid", "0", "credentials"],
    ["netlify-access-token", "NETLIFY_AUTH", URLSAFE, "43", "auth"],
    ["new-relic-user-api-id", "NEW_RELIC_ACCOUNT_KEY", LOWER + DIGITS, "64", "secret-key"],
    ["nytimes-access-token", "nytimes_api", URLSAFE, "32", "api-key"],
    ["okta-access-token", "OKTA_API", "00" + URLSAFE, "40", "api-key"],
    ["plaid-client-id", "PLAID_CLIENT_ID", LOWER + DIGITS, "24", "credentials"],
    ["plaid-secret-key", "plaid_secret", LOWER + DIGITS, "30", "secret"],
    ["privateai-api-token", "PRIVATEAI_KEY", LOWER + DIGITS, "32", "secret-key"],
    ["rapidapi-access-token", "X-RapidAPI-Key", URLSAFE, "50", "api-key"],
    ["sendbird-access-id", "sendbird_app", "uuid", "0", "credentials"],
    ["sendbird-access-token", "SENDBIRD_API_TOKEN", HEX, "40", "api-key"],
    ["sentry-access-token", "sentry_auth", HEX, "64", "auth"],
    ["sidekiq-secret", "BUNDLE_GEMS__CONTRIBSYS__COM", "sidekiq", "0", "credentials"],
    ["snyk-api-token", "SNYK_TOKEN", "uuid", "0", "token"],
    ["sonar-api-token", "SONAR_LOGIN", URLSAFE, "40", "credentials"],
    ["squarespace-access-token", "squarespace_api", "uuid", "0", "api-key"],
    ["sumologic-access-id", "SUMO_ACCESS_ID", "su" + B62, "12", "secret-key"],
    ["sumologic-access-token", "SUMO_ACCESS", LOWER + DIGITS, "64", "secret-key"],
    ["travisci-access-token", "TRAVIS_API", LOWER + DIGITS, "22", "api-key"],
    ["twitch-api-token", "TWITCH_CLIENT", LOWER + DIGITS, "30", "credentials"],
    ["twitter-access-secret", "TWITTER_ACCESS_SECRET", LOWER + DIGITS, "45", "secret"],
    ["twitter-access-token", "twitter_access", "digits-", "0", "secret-key"],
    ["twitter-api-key", "TWITTER_CONSUMER_KEY", LOWER + DIGITS, "25", "secret-key"],
    ["twitter-api-secret", "twitter_consumer_secret", LOWER + DIGITS, "50", "secret"],
    ["zendesk-secret-key", "ZENDESK_API", LOWER + DIGITS, "40", "api-key"],
  ];

  function providerValue(chars: string, length: number): string {
    if (chars === "uuid") return uuid();
    if (chars === "UUID") return uuid().toUpperCase();
    if (chars === "sidekiq") return `${r(HEX, 8)}:${r(HEX, 8)}`;
    if (chars === "digits-") return `${r(DIGITS, 19)}-${r(B62, 30)}`;
    const prefix = /^(?:b_|dnkey-|sl\.|live_|test_pub_|00|su)/.exec(chars)?.[0] ?? "";
    return prefix + r(chars.slice(prefix.length), length) + (prefix === "dnkey-" ? `-${r(URLSAFE, 52)}` : "");
  }

  const keyLineForms = [
    (k: string, v: string) => `${k}=${v}`,
    (k: string, v: string) => `{"${k}": "${v}"}`,
    (k: string, v: string) => `${k}: ${v}`,
    (k: string, v: string) => `--${k.toLowerCase().replace(/_/g, "-")}=${v}`,
  ];
  providerKeys.forEach(([rule, key, chars, length, kind], i) => {
    const form = keyLineForms[i % keyLineForms.length];
    pos(
      `gitleaks:${rule}`,
      kind,
      providerValue(chars, Number(length)),
      (s) => `config loaded ${form(key, s)} from env`,
    );
  });
  pos(
    "detect-secrets:IbmCloudIamDetector",
    "secret-key",
    r(URLSAFE, 44),
    (s) => `ibmcloud login: ibm_cloud_iam_key=${s}`,
  );
  pos(
    "detect-secrets:IbmCosHmacDetector",
    "aws-secret-key",
    r(HEX, 48),
    (s) => `cos client: cos_hmac_secret_access_key = "${s}"`,
  );
  pos("detect-secrets:SoftlayerDetector", "api-key", r(LOWER + DIGITS, 64), (s) => `softlayer_api_key: ${s}`);
  pos(
    "detect-secrets:SoftlayerDetector",
    "softlayer-key",
    r(LOWER + DIGITS, 64),
    (s) => `POST https://api.softlayer.com/soap/v3/${s}/SoftLayer_Account 500`,
  );
  pos(
    "detect-secrets:CloudantDetector",
    "password",
    r(HEX, 64),
    (s) => `couch: GET https://acme-db:${s}@acme-db.cloudant.com/orders 401`,
  );
  pos("detect-secrets:CloudantDetector", "api-key", r(LOWER, 24), (s) => `cloudant_api_key=${s}`);
  pos(
    "gitleaks:sidekiq-sensitive-url",
    "password",
    r(HEX, 8),
    (s) => `bundle install: fetching https://${r(HEX, 8)}:${s}@gems.contribsys.com/`,
  );

  // ---------------------------------------------------------------------------------------------------------
  // Generic credentials: any key that names a secret, any characters in the value

  const nasty = (): string => r(B62, 6) + "@!$#%}" + r(B62, 4) + "&" + r(B62, 3);
  pos(
    "gitleaks:generic-api-key detect-secrets:KeywordDetector",
    "password",
    nasty(),
    (s) => `db connect password=${s} host=db1`,
  );
  pos(
    "detect-secrets:KeywordDetector",
    "password",
    nasty(),
    (s) => `{"user":"svc","password":"${s.replace(/"/g, '\\"')}"}`,
  );
  pos(
    "detect-secrets:KeywordDetector",
    "password",
    r(B62, 5) + "'\"" + r(B62, 5),
    (s) => `db: {"passwd": "${s.replace(/"/g, '\\"')}", "retries": 3}`,
  );
  pos("gitleaks:database-password", "password", nasty(), (s) => `DB_PASSWORD=${s}`);
  pos(
    "gitleaks:database-password",
    "password",
    r(B62, 10) + "!",
    (s) => `libpq: connection to "host=db user=app pwd=${s} dbname=app" failed`,
  );
  pos(
    "detect-secrets:KeywordDetector",
    "secret",
    r(B62, 8) + "$" + r(B62, 6),
    (s) => `client_credentials flow: secret: ${s}`,
  );
  pos(
    "detect-secrets:KeywordDetector",
    "client-secret",
    r(URLSAFE, 32),
    (s) => `oidc: client_secret='${s}' issuer=https://auth.acme.dev`,
  );
  pos(
    "detect-secrets:KeywordDetector",
    "api-key",
    r(B62, 32),
    (s) => `GET /v1/quotes?symbol=ACME&api_key=${s}&limit=5`,
  );
  pos("detect-secrets:KeywordDetector", "api-key", r(B62, 32), (s) => `X-API-Key: ${s}`);
  pos("detect-secrets:KeywordDetector", "token", r(URLSAFE, 40), (s) => `export SERVICE_TOKEN="${s}"`);
  pos("detect-secrets:KeywordDetector", "private-key", r(B64, 44), (s) => `wireguard: PrivateKey = ${s}`);
  pos("detect-secrets:KeywordDetector", "credentials", r(B62, 24), (s) => `credentials => "${s}"`);
  pos(
    "gitleaks:freemius-secret-key",
    "secret",
    "sk_" + r(B62 + "!@#", 29),
    (s) => `PHP Notice: 'secret_key' => '${s}'`,
  );
  pos("gitleaks:generic-api-key", "auth", r(B62, 20), (s) => `ws connect ?auth=${s}&v=2`);
  pos("gitleaks:generic-api-key", "session", r(HEX, 40), (s) => `Set session_id=${s} for user 42`);
  pos("gitleaks:generic-api-key", "cookie", r(URLSAFE, 32), (s) => `Cookie: theme=dark; sid=${s}`);
  pos(
    "gitleaks:generic-api-key",
    "signature",
    r(URLSAFE, 43),
    (s) => `GET /blob/x.pdf?sv=2022-11-02&se=2030-01-01&sr=b&sp=r&sig=${s}`,
  );
  pos(
    "gitleaks:generic-api-key",
    "credentials",
    r(UPPER + DIGITS, 20) + "/20240501/us-east-1/s3/aws4_request",
    (s) =>
      `GET /acme-bucket/report.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${s}&X-Amz-Date=20240501T000000Z`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 14),
    (s) => `java -Dspring.datasource.password=${s} -jar app.jar`,
  );
  pos("gitleaks:generic-api-key", "password", r(B62, 14) + "#!", (s) => `pg_dump --password ${s} --host db`);
  pos(
    "gitleaks:generic-api-key",
    "token",
    r(URLSAFE, 30),
    (s) => `terraform apply -var api-token=x --token ${s}`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 12),
    (s) => `keytool -importkeystore -srcstorepass ${s} -deststorepass changeit`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 12),
    (s) => `Server=tcp:acme.database.windows.net,1433;User ID=app;Password=${s};Encrypt=True`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 6) + ";}" + r(B62, 4),
    (s) => `odbc: DRIVER={ODBC Driver 18};SERVER=db;UID=app;PWD={${s}};`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 12),
    (s) => `User(name=bob, password=${s}, roles=[admin])`,
  );
  pos(
    "gitleaks:nuget-config-password",
    "password",
    r(B62, 16),
    (s) => `NuGet.Config: <add key="ClearTextPassword" value="${s}" />`,
  );
  pos(
    "detect-secrets:KeywordDetector",
    "password",
    r(B62, 16),
    (s) => `<datasource><user>app</user><password>${s}</password></datasource>`,
  );
  pos(
    "gitleaks:hashicorp-tf-password",
    "password",
    r(URLSAFE, 16),
    (s) => `azurerm_mssql_server.main: administrator_login_password = "${s}"`,
  );
  pos(
    "detect-secrets:Base64HighEntropyString",
    "secret-key",
    r(B64, 43) + "=",
    (s) => `webhook verify failed: x-partner-signing-key: ${s}`,
  );
  pos(
    "detect-secrets:HexHighEntropyString",
    "secret-key",
    r(HEX, 64),
    (s) => `{"hmac_key":"${s}","alg":"sha256"}`,
  );
  pos("detect-secrets:Base64HighEntropyString", "secret-key", r(B62, 40), (s) => `partner-sync --key ${s}`);
  pos(
    "detect-secrets:Base64HighEntropyString",
    "api-key",
    r(B62, 32),
    (s) => `upstream rejected api key ${s} (403)`,
  );
  pos(
    "detect-secrets:HexHighEntropyString",
    "token",
    r(HEX, 40),
    (s) => `invalid token ${s} for tenant acme`,
  );

  // Passwords in URLs and DSNs, with the characters people put in them
  pos(
    "detect-secrets:BasicAuthDetector secretlint:basicauth",
    "password",
    r(B62, 8) + "@!$#",
    (s) => `proxy: GET http://svc:${s}@proxy.corp:3128/ 407`,
  );
  pos(
    "secretlint:database-connection-string",
    "password",
    r(B62, 6) + "@!" + r(B62, 4),
    (s) => `DATABASE_URL=postgres://app:${s}@db.acme.internal:5432/app?sslmode=require`,
  );
  pos(
    "secretlint:database-connection-string",
    "password",
    r(B62, 10) + "#?",
    (s) => `mongoose: connecting to mongodb+srv://svc:${s}@cluster0.ab1cd.mongodb.net/orders`,
  );
  pos(
    "secretlint:database-connection-string",
    "password",
    r(B62, 12),
    (s) => `jdbc:mysql://db:3306/app?user=app&password=${s}&useSSL=true`,
  );
  pos(
    "secretlint:database-connection-string",
    "password",
    r(B62, 8) + "/" + r(B62, 4),
    (s) => `redis.exceptions.AuthenticationError at redis://:${s}@cache:6379/0`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 8) + "@" + r(B62, 3),
    (s) => `[mysql] dsn=app:${s}@tcp(10.0.0.5:3306)/orders?parseTime=true`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 10),
    (s) => `ORA-01017: jdbc:oracle:thin:scott/${s}@//db.acme.internal:1521/ORCL`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 10),
    (s) => `amqp connect failed amqp://guest:${s}@rabbit:5672/%2F`,
  );

  // Command lines
  pos(
    "gitleaks:curl-auth-user",
    "password",
    r(B62, 6) + "@" + r(B62, 4),
    (s) => `exec: curl -sS -u deploy:${s} https://artifacts.acme.dev/upload`,
  );
  pos(
    "gitleaks:curl-auth-user",
    "password",
    r(B62, 8) + " " + r(B62, 3),
    (s) => `exec: curl --user 'ops:${s}' https://ci.acme.dev/job/build`,
  );
  pos(
    "gitleaks:curl-auth-user",
    "password",
    r(B62, 32),
    (s) => `run: curl -u ${s}: https://api.acme.dev/v1/ping`,
  );
  pos(
    "gitleaks:curl-auth-header",
    "bearer-token",
    r(URLSAFE, 32),
    (s) => `exec: curl -H "Authorization: Bearer ${s}" https://api.acme.dev/v1/me`,
  );
  pos(
    "gitleaks:curl-auth-header",
    "auth",
    r(URLSAFE, 32),
    (s) => `exec: curl -H 'X-Auth: ${s}' https://api.acme.dev`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 10) + "!$",
    (s) => `backup.sh: mysqldump -h db -u root -p${s} orders > /backup/orders.sql`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 8) + " " + r(B62, 2),
    (s) => `mysql -uroot -p'${s}' -e "select 1"`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 12) + "$#",
    (s) => `cron: PGPASSWORD=${s} psql -h db -U app -c 'vacuum'`,
  );
  pos("gitleaks:generic-api-key", "password", r(B62, 12), (s) => `sshpass -p ${s} ssh deploy@web1 uptime`);
  pos("gitleaks:generic-api-key", "password", r(B62, 12), (s) => `redis-cli -h cache -a ${s} ping`);
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 12),
    (s) => `ldapsearch -x -D cn=admin,dc=acme -w ${s} -b dc=acme`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 12),
    (s) => `smbclient //files/share -U backup%${s} -c ls`,
  );
  pos("gitleaks:generic-api-key", "password", r(B62, 12), (s) => `sqlcmd -S db -U sa -P ${s} -Q "select 1"`);
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 12),
    (s) => `docker login -u ci -p ${s} registry.acme.dev`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 12),
    (s) => `openssl pkcs12 -export -in c.pem -passout pass:${s} -out c.p12`,
  );
  pos("gitleaks:generic-api-key", "password", r(B62, 12), (s) => `sqlplus -s system/${s}@ORCL @migrate.sql`);
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 12),
    (s) => `mongosh --host db -u admin -p ${s} --authenticationDatabase admin`,
  );

  // Standalone auth material and personal data
  pos(
    "gitleaks:generic-api-key",
    "basic-auth",
    b64(`svc:${r(B62, 12)}`),
    (s) => `upstream auth header Basic ${s} refused`,
  );
  pos(
    "gitleaks:generic-api-key",
    "bearer-token",
    r(URLSAFE, 40),
    (s) => `grpc metadata authorization=bearer ${s}`,
  );
  pos(
    "gitleaks:generic-api-key",
    "password",
    r(B62, 9),
    (s) => `support ticket: user says the password is ${s}`,
  );
  pos("detect-secrets:IPPublicDetector", "ipv4", "203.0.113.77", (s) => `connection from ${s}:51234 refused`);
}

// ---------------------------------------------------------------------------------------------------------
// Look-alikes that must stay as they are

function generateNegatives(): Negative[] {
  const sha1 = r(HEX, 40);
  const traceId = r(HEX, 32);
  const spanId = r(HEX, 16);
  return [
    { what: "UUID request id", line: `request_id=${uuid()} status=200 latency=12ms` },
    { what: "UUID in a path", line: `GET /api/orders/${uuid()}/items 404` },
    { what: "idempotency key", line: `retrying with idempotency_key=${uuid()}` },
    { what: "W3C traceparent", line: `traceparent: 00-${traceId}-${spanId}-01` },
    { what: "trace and span ids", line: `{"trace_id":"${traceId}","span_id":"${spanId}","msg":"db slow"}` },
    { what: "Cloud Trace path", line: `logging.googleapis.com/trace: projects/acme-prod/traces/${traceId}` },
    { what: "Cloud Trace header", line: `X-Cloud-Trace-Context: ${traceId}/${r(DIGITS, 19)};o=1` },
    { what: "X-Ray trace id", line: `X-Amzn-Trace-Id: Root=1-${r(HEX, 8)}-${r(HEX, 24)}` },
    {
      what: "Datadog trace id",
      line: `dd.trace_id=${r("123456789", 1)}${r(DIGITS, 18)} dd.span_id=${r("123456789", 1)}${r(DIGITS, 17)}`,
    },
    { what: "git SHA", line: `deploying commit ${sha1} to production` },
    { what: "short SHA", line: `build 1423 from ${sha1.slice(0, 7)} on main` },
    { what: "git SHA as revision", line: `{"revision":"${r(HEX, 40)}","branch":"main"}` },
    { what: "content hash", line: `uploaded layer sha256:${r(HEX, 64)} (12.4 MB)` },
    { what: "ETag", line: `ETag: "${r(HEX, 32)}"` },
    { what: "cache key hash", line: `cache miss cache_key=${r(HEX, 40)}` },
    { what: "SRI integrity hash", line: `integrity sha512-${r(B64, 86)}== checked for lodash-4.17.21.tgz` },
    { what: "GCS hashes", line: `x-goog-hash: crc32c=${r(B64, 6)}==,md5=${r(B64, 22)}==` },
    { what: "container digest", line: `image=gcr.io/acme/api@sha256:${r(HEX, 64)}` },
    { what: "Mongo ObjectId", line: `order ${r(HEX, 24)} not found` },
    {
      what: "semantic versions",
      line: `upgraded acme-sdk 2.14.0-rc.1+build.5 -> 2.14.0 (node v20.11.1, go1.22.3)`,
    },
    { what: "durations", line: `request took 1.532s (db 120ms, render 1h2m3.5s budget PT30M)` },
    { what: "ordinary words", line: "token refresh scheduled; password reset email sent; session started" },
    { what: "secret words in prose", line: "secret manager unavailable, api key rotation policy updated" },
    { what: "describing keys", line: "token_count=512 password_length=12 session_duration=30m auth=none" },
    { what: "validation message", line: "validation failed: password: required, token: missing" },
    { what: "bearer word", line: "Authorization header missing the Bearer prefix" },
    { what: "ordinary flags", line: "exec: gunicorn --workers 4 --timeout 30 --bind 0.0.0.0:8080 -p 8080" },
    {
      what: "environment reference",
      line: 'exec: curl -u "$DEPLOY_USER:$DEPLOY_TOKEN" https://artifacts.acme.dev',
    },
    {
      what: "class names",
      line: "at org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory",
    },
    { what: "Kubernetes pod name", line: `pod api-7d9f8b6c5-x2k4q restarted in namespace payments` },
    { what: "public key fingerprint", line: `ssh: host key fingerprint is SHA256:${r(B64, 43)}` },
    { what: "Stripe object ids", line: `charge ch_${r(B62, 24)} for customer cus_${r(B62, 14)} succeeded` },
    { what: "base64 image", line: `avatar data:image/png;base64,iVBORw0KGgo${r(B64, 60)}` },
    { what: "object key path", line: "s3 put object_key=uploads/2024/05/invoice-4411.pdf bucket=acme-docs" },
  ];
}

/** The catalogue with values drawn from `seedValue`: other seeds give held-out values of the same kinds. */
export function buildCatalogue(seedValue: number): { positives: Positive[]; negatives: Negative[] } {
  seed = seedValue | 0 || 1;
  positives.length = 0;
  generatePositives();
  const negatives = generateNegatives();
  return { positives: [...positives], negatives };
}

const catalogue = buildCatalogue(0x2545f491);
export const POSITIVES: readonly Positive[] = catalogue.positives;
export const NEGATIVES: readonly Negative[] = catalogue.negatives;

// ---------------------------------------------------------------------------------------------------------
// The rule sets the catalogue covers: every rule must stand behind at least one line, unless listed in
// NOT_IN_LOG_TEXT with the reason it cannot appear in a log line.

export const SCANNER_RULES: Record<string, string[]> = {
  gitleaks: (
    "1password-secret-key 1password-service-account-token adafruit-api-key adobe-client-id adobe-client-secret " +
    "age-secret-key airtable-api-key algolia-api-key alibaba-access-key-id alibaba-secret-key " +
    "anthropic-admin-api-key anthropic-api-key artifactory-api-key artifactory-reference-token asana-client-id " +
    "asana-client-secret atlassian-api-token authress-service-client-access-key aws-access-token " +
    "azure-ad-client-secret beamer-api-token bitbucket-client-id bitbucket-client-secret bittrex-access-key " +
    "bittrex-secret-key cisco-meraki-api-key clickhouse-cloud-api-secret-key clojars-api-token cloudflare-api-key " +
    "cloudflare-global-api-key cloudflare-origin-ca-key codecov-access-token cohere-api-token coinbase-access-token " +
    "confluent-access-token confluent-secret-key contentful-delivery-api-token curl-auth-header curl-auth-user " +
    "database-password databricks-api-token datadog-access-token defined-networking-api-token " +
    "digitalocean-access-token digitalocean-pat digitalocean-refresh-token discord-api-token discord-client-id " +
    "discord-client-secret doppler-api-token droneci-access-token dropbox-api-token dropbox-long-lived-api-token " +
    "dropbox-short-lived-api-token duffel-api-token dynatrace-api-token easypost-api-token easypost-test-api-token " +
    "etsy-access-token facebook-access-token facebook-page-access-token facebook-secret fastly-api-token " +
    "finicity-api-token finicity-client-secret finnhub-access-token flickr-access-token flutterwave-encryption-key " +
    "flutterwave-public-key flutterwave-secret-key flyio-access-token frameio-api-token freemius-secret-key " +
    "freshbooks-access-token gcp-api-key generic-api-key github-app-token github-fine-grained-pat github-oauth " +
    "github-pat github-refresh-token gitlab-cicd-job-token gitlab-deploy-token gitlab-feature-flag-client-token " +
    "gitlab-feed-token gitlab-incoming-mail-token gitlab-kubernetes-agent-token gitlab-oauth-app-secret gitlab-pat " +
    "gitlab-pat-routable gitlab-ptt gitlab-rrt gitlab-runner-authentication-token " +
    "gitlab-runner-authentication-token-routable gitlab-scim-token gitlab-session-cookie gitter-access-token " +
    "gocardless-api-token grafana-api-key grafana-cloud-api-token grafana-service-account-token harness-api-key " +
    "hashicorp-tf-api-token hashicorp-tf-password heroku-api-key heroku-api-key-v2 hubspot-api-key " +
    "huggingface-access-token huggingface-organization-api-token infracost-api-token intercom-api-key " +
    "intra42-client-secret jfrog-api-key jfrog-identity-token jwt jwt-base64 kraken-access-token " +
    "kubernetes-secret-yaml kucoin-access-token kucoin-secret-key launchdarkly-access-token linear-api-key " +
    "linear-client-secret linkedin-client-id linkedin-client-secret lob-api-key lob-pub-api-key mailchimp-api-key " +
    "mailgun-private-api-token mailgun-pub-key mailgun-signing-key mapbox-api-token mattermost-access-token " +
    "maxmind-license-key messagebird-api-token messagebird-client-id microsoft-teams-webhook netlify-access-token " +
    "new-relic-browser-api-token new-relic-insert-key new-relic-user-api-id new-relic-user-api-key notion-api-token " +
    "npm-access-token nuget-config-password nytimes-access-token octopus-deploy-api-key okta-access-token " +
    "openai-api-key openshift-user-token perplexity-api-key pkcs12-file plaid-api-token plaid-client-id " +
    "plaid-secret-key planetscale-api-token planetscale-oauth-token planetscale-password postman-api-token " +
    "prefect-api-token private-key privateai-api-token pulumi-api-token pypi-upload-token rapidapi-access-token " +
    "readme-api-token rubygems-api-token scalingo-api-token sendbird-access-id sendbird-access-token " +
    "sendgrid-api-token sendinblue-api-token sentry-access-token sentry-org-token sentry-user-token " +
    "settlemint-application-access-token settlemint-personal-access-token settlemint-service-access-token " +
    "shippo-api-token shopify-access-token shopify-custom-access-token shopify-private-app-access-token " +
    "shopify-shared-secret sidekiq-secret sidekiq-sensitive-url slack-app-token slack-bot-token " +
    "slack-config-access-token slack-config-refresh-token slack-legacy-bot-token slack-legacy-token " +
    "slack-legacy-workspace-token slack-user-token slack-webhook-url snyk-api-token sonar-api-token " +
    "sourcegraph-access-token square-access-token squarespace-access-token stripe-access-token sumologic-access-id " +
    "sumologic-access-token telegram-bot-api-token travisci-access-token twilio-api-key twitch-api-token " +
    "twitter-access-secret twitter-access-token twitter-api-key twitter-api-secret twitter-bearer-token " +
    "typeform-api-token vault-batch-token vault-service-token yandex-access-token yandex-api-key " +
    "yandex-aws-access-token zendesk-secret-key"
  ).split(" "),
  secretlint: (
    "aws gcp privatekey npm basicauth slack sendgrid shopify github openai anthropic linear 1password " +
    "database-connection-string"
  ).split(" "),
  "detect-secrets": (
    "ArtifactoryDetector AWSKeyDetector AzureStorageKeyDetector BasicAuthDetector CloudantDetector " +
    "DiscordBotTokenDetector GitHubTokenDetector GitLabTokenDetector Base64HighEntropyString HexHighEntropyString " +
    "IbmCloudIamDetector IbmCosHmacDetector IPPublicDetector JwtTokenDetector KeywordDetector MailchimpDetector " +
    "NpmDetector OpenAIDetector PrivateKeyDetector PypiTokenDetector SendGridDetector SlackDetector " +
    "SoftlayerDetector SquareOAuthDetector StripeDetector TelegramBotTokenDetector TwilioKeyDetector"
  ).split(" "),
};

/** Rules that look at files rather than text, with the reason no log line can carry what they detect. */
export const NOT_IN_LOG_TEXT: Record<string, string> = {
  "gitleaks:pkcs12-file": "flags a .p12/.pfx file by its path; a binary keystore is not log text",
};
