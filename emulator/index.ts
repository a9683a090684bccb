/** An in-memory Veza-compatible Lifecycle Management server for tests, benchmarks and local runs. */
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
