/** Per-process state the resource implementations share: the API client and warnings. */
import { VezaApi } from "../../client/api";
import { VezaClient } from "../../client/client";

let api: VezaApi | undefined;

/** The process's API (one client, one connection pool, one concurrency cap). */
export function getApi(): VezaApi {
  if (!api) api = new VezaApi(new VezaClient());
  return api;
}

/** Forget the client so the next call resolves settings again (after `configure`). */
export function resetApi(): void {
  api = undefined;
}

/** A warning the Pulumi CLI shows (inside the provider process it is written to stderr). */
export function warn(message: string): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require("@pulumi/pulumi").log.warn(message);
  } catch {
    process.stderr.write(`warning: ${message}\n`);
  }
}
