/**
 * Every error pulumi-veza throws: a `VezaError` with a stable `code` (match on it, never on the
 * text), one subclass per kind, all in this module (undici keeps its errors the same way, in
 * lib/core/errors.js). Messages never contain the API token.
 *
 * Check an error's kind with `VezaApiError.isInstance(e)`, not `instanceof`: two copies of this
 * package can meet in one process (a program's `node_modules` and the provider's, or the provider
 * code Pulumi serializes into state), and an error from one copy is not an `instanceof` the other's
 * class. Each error carries a brand under `Symbol.for(...)`, which is the same symbol in every copy
 * (as Pulumi's SDK does for its own errors, e.g. `RunError.isInstance`).
 */
const BRAND = Symbol.for("pulumi-veza.error");

export abstract class VezaError extends Error {
  /** The class's name, which is also its brand; every subclass sets its own. */
  static readonly errorName: string = "VezaError";
  abstract readonly code: string;

  /** `cause`: the error this one comes from, kept as the standard `cause`. */
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    const name = (new.target as unknown as typeof VezaError).errorName;
    this.name = name;
    // not enumerable: kept out of JSON and of util.inspect's listing
    Object.defineProperty(this, BRAND, { value: name });
  }

  /**
   * True for an error of this kind (`VezaError.isInstance`: of any kind) from any copy of the
   * package. Use it instead of `instanceof` (see the module's comment).
   */
  static isInstance<T extends abstract new (...args: any[]) => VezaError>(this: T, e: unknown): e is InstanceType<T> {
    if (typeof e !== "object" || e === null) return false;
    const brand = (e as { [BRAND]?: unknown })[BRAND];
    if (typeof brand !== "string") return false;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass isInstance was called on (VezaApiError.isInstance)
    const kind = (this as unknown as typeof VezaError).errorName;
    return kind === VezaError.errorName || brand === kind;
  }
}

/** A setting is missing or malformed; the message names the config key and the environment variable. */
export class VezaConfigError extends VezaError {
  static override readonly errorName = "VezaConfigError";
  readonly code = "VEZA_CONFIG";
}

export interface ApiErrorDetails {
  method: string;
  /** The endpoint's path template, e.g. `access_profiles/{id}` (ids are not part of it). */
  path: string;
  /** HTTP status, or 0 when no response arrived (network failure, timeout). */
  status: number;
  /** The server's error code (gRPC-gateway style), when it sent one. */
  serverCode?: number | string;
  serverMessage: string;
  requestId?: string;
  /** The concrete path that was requested (ids included; never the query string). */
  url?: string;
  attempts?: number;
  /** What failed underneath (a network error: its code and redacted message). */
  cause?: unknown;
}

/** An API call failed. `status` 0 means no HTTP response was received. */
export class VezaApiError extends VezaError implements ApiErrorDetails {
  static override readonly errorName = "VezaApiError";
  readonly code = "VEZA_API_ERROR";
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly serverCode?: number | string;
  readonly serverMessage: string;
  readonly requestId?: string;
  readonly url?: string;
  readonly attempts?: number;

  constructor(d: ApiErrorDetails) {
    super(formatApiMessage(d, PROVIDER_HINTS), d.cause);
    this.method = d.method;
    this.path = d.path;
    this.status = d.status;
    this.serverCode = d.serverCode;
    this.serverMessage = d.serverMessage;
    this.requestId = d.requestId;
    this.url = d.url;
    this.attempts = d.attempts;
  }
}

/** What to do about a status, for whoever reads the message: a stack's provider or a standalone command. */
type Hints = Partial<Record<number, string>>;

/** In a Pulumi stack: settings come from stack config or the environment, and refresh/destroy use the config saved in state. */
const PROVIDER_HINTS: Hints = {
  401: "The Veza API token is invalid or expired: set a valid token in veza:apiToken (pulumi config set --secret veza:apiToken ...) or VEZA_API_TOKEN. pulumi refresh and destroy use the config saved at the last pulumi up; a different VEZA_API_TOKEN in the environment is tried after a 401.",
  403: "The Veza API token lacks permission for this call.",
  429: "Rate limited by Veza after all retries; lower veza:maxConcurrency or raise veza:maxRetries.",
};

/** A standalone command (`pulumi-veza export`) reads no stack config: its settings are environment variables only. */
const STANDALONE_HINTS: Hints = {
  401: "The Veza API token in VEZA_API_TOKEN (or VEZA_TOKEN) is invalid or expired: set a valid one.",
  403: "The Veza API token in VEZA_API_TOKEN (or VEZA_TOKEN) lacks permission for this call (it needs Lifecycle Management read access).",
  429: "Rate limited by Veza after all retries; lower VEZA_MAX_CONCURRENCY or raise VEZA_MAX_RETRIES.",
};

function formatApiMessage(d: ApiErrorDetails, hints: Hints): string {
  const where = `${d.method} ${d.url ?? d.path}`;
  const tail = [d.serverCode !== undefined ? `code ${d.serverCode}` : "", d.requestId ? `request id ${d.requestId}` : ""]
    .filter(Boolean)
    .join(", ");
  const hint = hints[d.status] ? ` ${hints[d.status]}` : "";
  const status = d.status === 0 ? "no response" : `HTTP ${d.status}`;
  return `Veza API ${where} failed (${status}): ${d.serverMessage}${tail ? ` (${tail})` : ""}.${hint}`;
}

/** The error's message with the hints of a standalone command (environment variables, no stack config). */
export function standaloneMessage(e: VezaApiError): string {
  return formatApiMessage(e, STANDALONE_HINTS);
}

/** A 2xx response whose shape is not the one the route documents: never read as "nothing there". */
export class UnexpectedResponseError extends VezaError {
  static override readonly errorName = "UnexpectedResponseError";
  readonly code = "VEZA_UNEXPECTED_RESPONSE";
}

/** The tenant has no route to update access profile types (PATCH access_profiles_types/{id} is an assumption). */
export class TypeUpdateUnsupportedError extends VezaError {
  static override readonly errorName = "TypeUpdateUnsupportedError";
  readonly code = "VEZA_TYPE_UPDATE_UNSUPPORTED";
  constructor(
    readonly status: number,
    cause?: unknown,
  ) {
    super(`this Veza tenant has no route to update access profile types (PATCH access_profiles_types/{id} answered ${status})`, cause);
  }
}

/** The codes of `VezaResourceError`: what a resource's create, read, update or delete ran into. */
export type ResourceErrorCode =
  /** Create or rename: Veza already has an object of that name (409). */
  | "VEZA_NAME_TAKEN"
  /** The tenant has no route to change an access profile type. */
  | "VEZA_TYPE_UPDATE_UNSUPPORTED"
  /** An object the resource names (its id, its profile) is not in Veza. */
  | "VEZA_NOT_FOUND"
  /** The profile has no current version to write to. */
  | "VEZA_NO_CURRENT_VERSION"
  /** An id that is not of the resource's form (`<profileId>/versions/<n>[/members]`). */
  | "VEZA_BAD_ID"
  /** Veza refused a version's content (400/404 on its PATCH). */
  | "VEZA_VERSION_REJECTED"
  /** A version's content cannot be read on this tenant, and the resource needs it (adopting). */
  | "VEZA_VERSION_UNREADABLE"
  /** The members of a version cannot be read on this tenant, and the resource needs them (exclusive). */
  | "VEZA_MEMBERS_UNREADABLE"
  /** Veza answered a membership change with an error message. */
  | "VEZA_MEMBERS_NOT_ACCEPTED"
  /** Removing members failed while the profile still exists: they may still hold it. */
  | "VEZA_MEMBERS_NOT_REMOVED"
  /** A profile others inherit from cannot be retired (the tenant cannot delete it). */
  | "VEZA_PROFILE_INHERITED";

/** A resource operation failed for a reason its `code` names; `cause` is the error it came from (a `VezaApiError` carries status, route and request id). */
export class VezaResourceError extends VezaError {
  static override readonly errorName = "VezaResourceError";
  constructor(
    readonly code: ResourceErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause);
  }
}

/**
 * The server created something but a later step failed: the engine records `id` and `properties`
 * (ErrorResourceInitFailed), so the object is not orphaned and the next `up` updates it.
 */
export class ResourceInitError extends VezaError {
  static override readonly errorName = "ResourceInitError";
  readonly code = "VEZA_CREATED_INCOMPLETE";
  readonly reasons: string[];
  constructor(
    readonly id: string,
    readonly properties: Record<string, unknown>,
    cause: unknown,
  ) {
    super(`created ${id}, but ${(cause as Error)?.message ?? String(cause)}`, cause);
    this.reasons = [this.message];
  }
}

/** `pulumi-veza impact`: unreadable input or arguments; the message names the file or argument and what is wrong (the CLI prints it on one line, exit 2). */
export class ImpactInputError extends VezaError {
  static override readonly errorName = "ImpactInputError";
  readonly code = "VEZA_IMPACT_INPUT";
}

/** `pulumi-veza impact`: the report could not be written (a full disk, a closed pipe): exit 3, never 1 (a tripped gate) nor 0. */
export class ImpactOutputError extends VezaError {
  static override readonly errorName = "ImpactOutputError";
  readonly code = "VEZA_IMPACT_OUTPUT";
}

/** `pulumi-veza export`: the tenant cannot be written as a program (e.g. an inheritance cycle). */
export class ExportError extends VezaError {
  static override readonly errorName = "ExportError";
  readonly code = "VEZA_EXPORT";
}

/** A caller's argument is not one the function or command allows (a filter attribute, a command-line flag); nothing was sent. */
export class VezaUsageError extends VezaError {
  static override readonly errorName = "VezaUsageError";
  readonly code = "VEZA_USAGE";
}

/** A defect in pulumi-veza itself (a declaration without its rules, a dispatch to an unknown method): please report it. */
export class VezaInternalError extends VezaError {
  static override readonly errorName = "VezaInternalError";
  readonly code = "VEZA_INTERNAL";
}
