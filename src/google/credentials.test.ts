import { describe, it, expect } from "@jest/globals";
import { checkCredentials, gcloudCredentialsFile, type HostProbe } from "./credentials.js";
import { CloudLoggingError } from "./errors.js";

const HOME = "/home/u";
function host(files: Record<string, string>, platform: NodeJS.Platform = "linux"): HostProbe {
  return { platform, readFile: (file) => files[file] };
}
const SA = JSON.stringify({ type: "service_account", client_email: "gardener@p1.iam.gserviceaccount.com" });
const USER = JSON.stringify({ type: "authorized_user", client_id: "x", refresh_token: "y" });

function thrown(fn: () => unknown): CloudLoggingError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CloudLoggingError);
    return error as CloudLoggingError;
  }
  throw new Error("did not throw");
}

describe("checkCredentials", () => {
  it("fails with NO_CREDENTIALS and a clear message when there are none", () => {
    const error = thrown(() => checkCredentials({}, HOME, host({})));
    expect(error.code).toBe("NO_CREDENTIALS");
    expect(error.message).toMatch(/^No Google credentials found: set GOOGLE_APPLICATION_CREDENTIALS/);
    expect(error.message).toContain("gcloud auth application-default login");
  });

  it("uses GOOGLE_APPLICATION_CREDENTIALS and names its service account", () => {
    const found = checkCredentials(
      { GOOGLE_APPLICATION_CREDENTIALS: "/k.json" },
      HOME,
      host({ "/k.json": SA }),
    );
    expect(found).toEqual({
      source: "GOOGLE_APPLICATION_CREDENTIALS",
      file: "/k.json",
      principal: "serviceAccount:gardener@p1.iam.gserviceaccount.com",
    });
  });

  it("rejects a GOOGLE_APPLICATION_CREDENTIALS file that is missing or not credentials", () => {
    const env = { GOOGLE_APPLICATION_CREDENTIALS: "/missing.json" };
    expect(thrown(() => checkCredentials(env, HOME, host({}))).message).toContain("/missing.json");
    const bad = thrown(() => checkCredentials(env, HOME, host({ "/missing.json": "{oops" })));
    expect(bad.code).toBe("NO_CREDENTIALS");
    expect(bad.message).toMatch(/not a JSON credentials file/);
  });

  it("finds gcloud's well-known file, also under CLOUDSDK_CONFIG and APPDATA", () => {
    const file = "/home/u/.config/gcloud/application_default_credentials.json";
    expect(checkCredentials({}, HOME, host({ [file]: USER })).source).toBe("gcloud");
    expect(gcloudCredentialsFile({ CLOUDSDK_CONFIG: "/cfg" }, HOME, "linux")).toBe(
      "/cfg/application_default_credentials.json",
    );
    expect(gcloudCredentialsFile({ APPDATA: "/appdata" }, HOME, "win32")).toMatch(
      /appdata[\\/]gcloud[\\/]application_default_credentials\.json$/,
    );
  });

  it.each([
    [{ K_SERVICE: "api" }],
    [{ GAE_SERVICE: "default" }],
    [{ FUNCTION_TARGET: "handler" }],
    [{ CLOUD_RUN_JOB: "job" }],
    [{ METADATA_SERVER_DETECTION: "assume-present" }],
  ])("trusts a Google Cloud runtime: %j", (env) => {
    expect(checkCredentials(env, HOME, host({}))).toEqual({
      source: "gcp-runtime",
      principal: "the runtime's service account",
    });
  });

  it("recognises GCE/GKE by the BIOS name, and not a plain Kubernetes cluster", () => {
    const bios = { "/sys/class/dmi/id/product_name": "Google Compute Engine\n" };
    expect(checkCredentials({ KUBERNETES_SERVICE_HOST: "10.0.0.1" }, HOME, host(bios)).source).toBe(
      "gcp-runtime",
    );
    expect(() => checkCredentials({ KUBERNETES_SERVICE_HOST: "10.0.0.1" }, HOME, host({}))).toThrow(
      /No Google credentials/,
    );
    expect(() =>
      checkCredentials({ METADATA_SERVER_DETECTION: "none", K_SERVICE: "x" }, HOME, host(bios)),
    ).toThrow(/No Google credentials/);
  });
});
