/**
 * `GARDENER_LOGGING_ENDPOINT=host:port` points the Cloud Logging client at an emulator or a local test
 * server, over an insecure channel and without Google credentials. Unset: Google's endpoint.
 */
export function loggingEndpoint(
  env: NodeJS.ProcessEnv = process.env,
): { apiEndpoint: string; port: number } | undefined {
  const endpoint = /^([^:]+):(\d+)$/.exec(env.GARDENER_LOGGING_ENDPOINT ?? "");
  return endpoint ? { apiEndpoint: endpoint[1]!, port: Number(endpoint[2]) } : undefined;
}
