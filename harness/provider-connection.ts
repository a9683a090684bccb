/** The engine's side of the provider protocol: its calls (`ProviderConnection`) and their failures (`ProviderCallError`). */
import { type JsonObject, SIG_KEY, SECRET_SIG } from "./values";

const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { Any } = require("google-protobuf/google/protobuf/any_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");

/** DiffResponse.changes: the provider could not tell, found none, found some (provider.proto). */
export const DIFF_UNKNOWN = 0;
export const DIFF_NONE = 1;
export const DIFF_SOME = 2;

export interface InitFailure {
  id: string;
  properties: JsonObject;
  reasons: string[];
}

/** An error from a provider call; `initFailure` is set when the server sent ErrorResourceInitFailed. */
export class ProviderCallError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly code?: number,
    readonly initFailure?: InitFailure,
  ) {
    super(message);
  }
}

function struct(obj: JsonObject): unknown {
  return Struct.fromJavaScript(obj);
}

function decodeInitFailure(err: any): InitFailure | undefined {
  const md = err?.metadata;
  if (!md || typeof md.get !== "function") return undefined;
  for (const raw of md.get("grpc-status-details-bin") as Buffer[]) {
    const status = statusproto.Status.deserializeBinary(new Uint8Array(raw));
    for (const any of status.getDetailsList() as (typeof Any)[]) {
      if ((any as any).getTypeName() !== "pulumirpc.ErrorResourceInitFailed") continue;
      const d = provproto.ErrorResourceInitFailed.deserializeBinary((any as any).getValue_asU8());
      return {
        id: d.getId(),
        properties: (d.getProperties()?.toJavaScript() ?? {}) as JsonObject,
        reasons: d.getReasonsList(),
      };
    }
  }
  return undefined;
}

/**
 * The provider calls the engine makes (Configure, Check, Diff, Create, Update, Read, Delete) as the
 * CLI makes them: protobuf requests built here, answers decoded here. Where the provider runs is the
 * subclass's: `ProviderProcess` (a dynamic-provider process over gRPC, as under the CLI) or the
 * tests' in-process host (tests/support/in-process.ts: the same server code in the test process).
 */
export abstract class ProviderConnection {
  /** gRPC calls made, by method (Summary.grpc). */
  readonly calls: Record<string, number> = {};
  /** Whether the provider answers a dry run's Create and Update itself (ConfigureResponse.supportsPreview). */
  supportsPreview = false;
  /** A provider plugin's package (`veza`): Configure then sends its keys as a plugin's default provider gets them. */
  protected pluginPackage?: string;

  /** What the provider wrote on stderr so far. */
  abstract get stderr(): string;
  /** Starts the provider (a second call waits for the same start). */
  abstract start(): Promise<void>;
  /** Stops the provider. Never throws. */
  abstract stop(): Promise<void>;
  /**
   * Sends one request (`method` as in the proto service: "Check") and resolves with its response
   * message; a failure rejects with a ProviderCallError.
   */
  protected abstract send<T>(method: string, req: unknown): Promise<T>;

  private call<T>(method: string, req: unknown): Promise<T> {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    return this.send<T>(method, req);
  }

  /**
   * Configure with the stack config (namespaced keys: `veza:url`). The dynamic provider gets every
   * key as it is; a plugin, as the CLI configures a package's default provider
   * (provider_plugin.go Configure), its own package's keys without the namespace as inputs
   * (`url`), and the same values as the older `variables` (`veza:config:url`).
   */
  async configure(config: Record<string, string>, secretKeys: string[]): Promise<void> {
    const pkg = this.pluginPackage;
    const args: JsonObject = {};
    const req = new provproto.ConfigureRequest();
    for (const [k, v] of Object.entries(config)) {
      const value = secretKeys.includes(k) ? { [SIG_KEY]: SECRET_SIG, value: v } : v;
      if (!pkg) args[k] = value;
      else if (k.startsWith(`${pkg}:`)) {
        const key = k.slice(pkg.length + 1);
        args[key] = value;
        req.getVariablesMap().set(`${pkg}:config:${key}`, v);
      }
    }
    if (pkg) req.setType(`pulumi:providers:${pkg}`);
    req.setArgs(struct(args));
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    req.setSendsOldInputs(true);
    req.setSendsOldInputsToDelete(true);
    const resp: any = await this.call("Configure", req);
    this.supportsPreview = resp.getSupportspreview() === true;
  }

  async check(
    urn: string,
    name: string,
    type: string,
    olds: JsonObject,
    news: JsonObject,
  ): Promise<{ inputs: JsonObject; failures: { property: string; reason: string }[] }> {
    const req = addressed(new provproto.CheckRequest(), urn, name, type);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const resp: any = await this.call("Check", req);
    return {
      inputs: (resp.getInputs()?.toJavaScript() ?? {}) as JsonObject,
      failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(
    urn: string,
    name: string,
    type: string,
    id: string,
    olds: JsonObject,
    news: JsonObject,
    oldInputs: JsonObject,
  ): Promise<{ changes: number; replaces: string[]; deleteBeforeReplace: boolean; detailedDiff?: string[] }> {
    const req = addressed(new provproto.DiffRequest(), urn, name, type, id);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    req.setOldInputs(struct(oldInputs));
    const resp: any = await this.call("Diff", req);
    return {
      changes: resp.getChanges(),
      replaces: resp.getReplacesList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
      // the keys the CLI shows when the provider sends a detailed diff (a dynamic provider sends none)
      ...(resp.getHasdetaileddiff()
        ? { detailedDiff: (resp.getDetaileddiffMap().getEntryList() as [string, unknown][]).map(([k]) => k).sort() }
        : {}),
    };
  }

  /** `preview`: a dry run's Create, for a provider that supports preview. */
  async create(
    urn: string,
    name: string,
    type: string,
    props: JsonObject,
    preview = false,
  ): Promise<{ id: string; properties: JsonObject }> {
    const req = addressed(new provproto.CreateRequest(), urn, name, type);
    req.setProperties(struct(props));
    req.setPreview(preview);
    const resp: any = await this.call("Create", req);
    return { id: resp.getId(), properties: (resp.getProperties()?.toJavaScript() ?? {}) as JsonObject };
  }

  async update(
    urn: string,
    name: string,
    type: string,
    id: string,
    olds: JsonObject,
    news: JsonObject,
    oldInputs: JsonObject,
    preview = false,
  ): Promise<{ properties: JsonObject }> {
    const req = addressed(new provproto.UpdateRequest(), urn, name, type, id);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    req.setOldInputs(struct(oldInputs));
    req.setPreview(preview);
    const resp: any = await this.call("Update", req);
    return { properties: (resp.getProperties()?.toJavaScript() ?? {}) as JsonObject };
  }

  async read(
    urn: string,
    name: string,
    type: string,
    id: string,
    properties: JsonObject,
    inputs: JsonObject,
  ): Promise<{ id: string; properties: JsonObject; inputs?: JsonObject }> {
    const req = addressed(new provproto.ReadRequest(), urn, name, type, id);
    req.setProperties(struct(properties));
    req.setInputs(struct(inputs));
    const resp: any = await this.call("Read", req);
    const ins = resp.getInputs();
    return {
      id: resp.getId(),
      properties: (resp.getProperties()?.toJavaScript() ?? {}) as JsonObject,
      inputs: ins ? (ins.toJavaScript() as JsonObject) : undefined,
    };
  }

  async delete(urn: string, name: string, type: string, id: string, properties: JsonObject, oldInputs: JsonObject): Promise<void> {
    const req = addressed(new provproto.DeleteRequest(), urn, name, type, id);
    req.setProperties(struct(properties));
    req.setOldInputs(struct(oldInputs));
    await this.call("Delete", req);
  }
}

/** A failed call as the gRPC client reports it (`details`, `code`, and an init failure in the status details). */
export function providerCallError(method: string, err: any): ProviderCallError {
  const msg = String(err.details ?? err.message ?? err);
  return new ProviderCallError(msg, method, err.code, decodeInitFailure(err));
}

/** Sets the fields every resource request carries (urn, name, type, and the id where the request has one). */
function addressed<
  R extends { setUrn(v: string): unknown; setName(v: string): unknown; setType(v: string): unknown; setId?(v: string): unknown },
>(req: R, urn: string, name: string, type: string, id?: string): R {
  req.setUrn(urn);
  req.setName(name);
  req.setType(type);
  if (id !== undefined) req.setId!(id);
  return req;
}
