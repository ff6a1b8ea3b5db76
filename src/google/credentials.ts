import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CloudLoggingError } from "./errors.js";

/** Where Application Default Credentials would come from. */
export type CredentialSource = "GOOGLE_APPLICATION_CREDENTIALS" | "gcloud" | "gcp-runtime";

export interface CredentialsFound {
  source: CredentialSource;
  /** The credentials file, for the two file sources. */
  file?: string;
  /** Who Cloud Logging will see, for messages such as "grant roles/logging.viewer … to <principal>". */
  principal: string;
}

/** The few host facts the check reads; tests pass a fake. */
export interface HostProbe {
  platform: NodeJS.Platform;
  /** The file's text, or undefined when it can't be read. */
  readFile(file: string): string | undefined;
}

export const realHost: HostProbe = {
  platform: process.platform,
  readFile(file) {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
  },
};

export const NO_CREDENTIALS_MESSAGE =
  "No Google credentials found: set GOOGLE_APPLICATION_CREDENTIALS to a service account key file " +
  "or run `gcloud auth application-default login` (on Google Cloud the runtime's service account is used)";

const DEFAULT_PRINCIPAL = "the service account this app runs as";

type Env = Record<string, string | undefined>;

/** gcloud's well-known ADC file, as google-auth-library looks for it. */
export function gcloudCredentialsFile(env: Env, homedir: string, platform: NodeJS.Platform): string {
  const configDir =
    env.CLOUDSDK_CONFIG ??
    (platform === "win32"
      ? path.join(env.APPDATA ?? homedir, "gcloud")
      : path.join(homedir, ".config", "gcloud"));
  return path.join(configDir, "application_default_credentials.json");
}

function principalOf(json: Record<string, unknown>, source: CredentialSource): string {
  const impersonated = /serviceAccounts\/([^/:]+):generateAccessToken/.exec(
    String(json.service_account_impersonation_url ?? ""),
  )?.[1];
  if (impersonated) return `serviceAccount:${impersonated}`;
  if (json.type === "service_account" && typeof json.client_email === "string") {
    return `serviceAccount:${json.client_email}`;
  }
  if (json.type === "authorized_user") {
    return source === "gcloud"
      ? "your gcloud application-default account (see `gcloud auth list`)"
      : "the user account of the credentials file";
  }
  if (json.type === "external_account") return "the workload identity federation principal";
  return DEFAULT_PRINCIPAL;
}

function parseCredentialsFile(text: string, file: string, source: CredentialSource): CredentialsFound {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (typeof json !== "object" || json === null || typeof (json as { type?: unknown }).type !== "string") {
    throw new CloudLoggingError(
      "NO_CREDENTIALS",
      `Google credentials file ${file} is not a JSON credentials file`,
    );
  }
  return { source, file, principal: principalOf(json as Record<string, unknown>, source) };
}

function onGoogleCloud(env: Env, host: HostProbe): boolean {
  const detection = env.METADATA_SERVER_DETECTION?.toLowerCase();
  if (detection === "none") return false;
  if (detection === "assume-present") return true;
  // Cloud Run services and jobs, App Engine, Cloud Functions; an explicit metadata server address.
  const runtimeVars = ["K_SERVICE", "CLOUD_RUN_JOB", "GAE_SERVICE", "GAE_APPLICATION", "FUNCTION_TARGET"];
  if (runtimeVars.some((name) => env[name])) return true;
  if (env.GCE_METADATA_HOST || env.GCE_METADATA_IP) return true;
  // Compute Engine and GKE nodes (pods included): the BIOS says Google, read without any network probe.
  if (host.platform === "linux" && detection !== "ping-only") {
    const product = host.readFile("/sys/class/dmi/id/product_name");
    if (product && /Google/.test(product)) return true;
  }
  return false;
}

/**
 * A cheap, network-free check that Application Default Credentials exist, in ADC's own order: the
 * GOOGLE_APPLICATION_CREDENTIALS file, gcloud's well-known file, then a Google Cloud runtime (Cloud Run,
 * App Engine, Cloud Functions, GCE/GKE by BIOS name, or METADATA_SERVER_DETECTION=assume-present).
 * Throws CloudLoggingError("NO_CREDENTIALS") otherwise, so a run without credentials fails at once instead
 * of probing a metadata server.
 */
export function checkCredentials(
  env: Env = process.env,
  homedir: string = os.homedir(),
  host: HostProbe = realHost,
): CredentialsFound {
  const envFile = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (envFile) {
    const text = host.readFile(envFile);
    if (text === undefined) {
      throw new CloudLoggingError(
        "NO_CREDENTIALS",
        `GOOGLE_APPLICATION_CREDENTIALS is set to ${envFile}, but that file can't be read`,
      );
    }
    return parseCredentialsFile(text, envFile, "GOOGLE_APPLICATION_CREDENTIALS");
  }
  const wellKnown = gcloudCredentialsFile(env, homedir, host.platform);
  const text = host.readFile(wellKnown);
  if (text !== undefined) return parseCredentialsFile(text, wellKnown, "gcloud");
  if (onGoogleCloud(env, host)) return { source: "gcp-runtime", principal: "the runtime's service account" };
  throw new CloudLoggingError("NO_CREDENTIALS", NO_CREDENTIALS_MESSAGE);
}
