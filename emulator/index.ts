/**
 * An in-memory Veza-compatible Lifecycle Management server for tests, benchmarks and local runs.
 *
 * It is the second opinion on the provider: written by hand from the API guide
 * (../shared/veza-api/), never from the provider's tables (provider/client/endpoints.ts,
 * normalize.ts, the resource declarations), and it imports nothing from provider/ (but for its
 * command line, cli.ts, parsed by provider/command-line.ts, which knows nothing of the API). Where the two
 * disagree, the guide decides; merging them would let a misreading of the guide pass every test.
 * Its routes say which calls the guide documents and which are assumptions (routes.ts), so it can
 * act as a tenant with only the documented ones (`routes: "documented" | "gateway"`).
 */
export { startEmulator, type Emulator, type EmulatorStats, type LoggedRequest, type StartOptions } from "./server";
export { DEFAULT_KNOBS, type EmulatorKnobs, type KnobsPatch, type DeleteSupport } from "./knobs";
export { ROUTES_MODES, type RoutesMode } from "./routes";
export { EmulatorStore } from "./store";
export { makeTlsMaterial, type TlsOptions, type TlsMaterial } from "./tls";
export { BASE_PATH } from "./routes";
export { AVAILABLE_INTEGRATIONS, integrationOf } from "./integrations";
export { parseFilter, evaluate, type ScimNode } from "./scim";
export { encodeToken, decodeToken } from "./paging";
export { ApiError } from "./errors";
export * from "./types";
