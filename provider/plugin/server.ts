#!/usr/bin/env node
/**
 * `pulumi-resource-veza`: the ResourceProvider gRPC service of the plugin, over ./provider.ts. The
 * engine starts it with its own address as the first argument and reads the port from its first line
 * of output, as for any plugin.
 *
 * Why our own server and not `@pulumi/pulumi`'s `provider.main`: that server does not hand the
 * provider's configuration (Configure's inputs) to the provider, and the plugin needs it (two tenants
 * in one stack are two providers with their own URL and token). So this serves the protocol with the
 * SDK's generated protos, as the SDK's own dynamic-provider server (cmd/dynamic-provider) does. The
 * protos, grpc-js and google-protobuf are resolved from the installed `@pulumi/pulumi` (its own
 * dependencies), so this adds none.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { VezaError, VezaInternalError } from "../errors";
import { VezaPlugin, checkConfig, diffConfig, type CheckFailure } from "./provider";
import type { Props } from "./secrets";

/** A module of `@pulumi/pulumi`'s install (its protos, or one of its own dependencies). */
const PULUMI_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (id: string) => require(require.resolve(id, { paths: [PULUMI_DIR] }));
const grpc = fromPulumi("@grpc/grpc-js");
const structproto = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const emptyproto = fromPulumi("google-protobuf/google/protobuf/empty_pb");
const anyproto = fromPulumi("google-protobuf/google/protobuf/any_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const plugproto = require("@pulumi/pulumi/proto/plugin_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const engproto = require("@pulumi/pulumi/proto/engine_pb");

/** The package's version, the plugin's (GetPluginInfo). */
const VERSION: string = JSON.parse(fs.readFileSync(path.join(findPackageRoot(), "package.json"), "utf8")).version;

function findPackageRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir))
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
  throw new VezaInternalError(`no package.json above ${__dirname}`);
}

/** The schema `npm run schema` generated from the declarations (scripts/schema.ts), shipped beside the sources. */
export function schemaText(): string {
  return fs.readFileSync(path.join(findPackageRoot(), "provider", "plugin", "schema.json"), "utf8");
}

type Callback = (err: unknown, value?: unknown, metadata?: unknown) => void;
type Call = { request: any };

const toJs = (s: any): Props => (s ? (s.toJavaScript() as Props) : {});
/** A Struct from plain values (undefined members dropped: a Struct cannot hold them). */
const toStruct = (v: Props) => structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(v)));

function failuresOf(failures: CheckFailure[]): unknown[] {
  return failures.map((f) => {
    const m = new provproto.CheckFailure();
    m.setProperty(f.property);
    m.setReason(f.reason);
    return m;
  });
}

/**
 * The gRPC error for a failed call: its message (our errors' messages name what to do), and for a
 * create or update that left an object behind (a ResourceInitError) the id and properties, so the
 * engine keeps it in the state as the dynamic provider's server does.
 */
function grpcError(e: unknown): { code: number; message: string; metadata?: unknown } {
  const err = e as { message?: string; id?: string; properties?: Props; reasons?: string[] };
  const message = VezaError.isInstance(e) || err?.message ? String(err.message) : String(e);
  const metadata = new grpc.Metadata();
  if (err && typeof err.id === "string" && err.id && err.properties) {
    const detail = new provproto.ErrorResourceInitFailed();
    detail.setId(err.id);
    detail.setProperties(toStruct(err.properties));
    detail.setReasonsList(err.reasons ?? [message]);
    const any = new anyproto.Any();
    any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new statusproto.Status();
    status.setCode(grpc.status.UNKNOWN);
    status.setMessage(message);
    status.addDetails(any);
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
  }
  return { code: grpc.status.UNKNOWN, message, metadata };
}

/** Runs a handler; an exception becomes the call's gRPC error. */
function handle(fn: (req: any) => unknown | Promise<unknown>) {
  return async (call: Call, callback: Callback) => {
    try {
      callback(null, await fn(call.request));
    } catch (e) {
      const err = grpcError(e);
      callback(err, null, err.metadata);
    }
  };
}

const unimplemented = (what: string) => (_call: Call, callback: Callback) =>
  callback({ code: grpc.status.UNIMPLEMENTED, details: `${what} is not implemented by the veza provider` });

/** The engine's Log service, so the plugin's warnings show in the CLI as warnings. */
function engineWarn(engineAddress: string | undefined): (message: string) => void {
  if (!engineAddress) return (m) => process.stderr.write(`warning: ${m}\n`);
  const client = new engrpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
  return (message) => {
    const req = new engproto.LogRequest();
    req.setSeverity(engproto.LogSeverity.WARNING);
    req.setMessage(message);
    client.log(req, (err: unknown) => {
      if (err) process.stderr.write(`warning: ${message}\n`);
    });
  };
}

export function service(plugin: VezaPlugin, schema: () => string): Record<string, unknown> {
  return {
    getPluginInfo: handle(() => new plugproto.PluginInfo().setVersion(VERSION)),
    getSchema: handle(() => new provproto.GetSchemaResponse().setSchema(schema())),
    checkConfig: handle((req) => {
      const resp = new provproto.CheckResponse();
      // the inputs as they came (secrets stay wrapped: this answer is what the engine stores)
      resp.setInputs(req.getNews());
      resp.setFailuresList(failuresOf(checkConfig(toJs(req.getNews()))));
      return resp;
    }),
    diffConfig: handle((req) => {
      const diffs = diffConfig(toJs(req.getOlds()), toJs(req.getNews()));
      const resp = new provproto.DiffResponse();
      resp.setChanges(diffs.length ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
      resp.setDiffsList(diffs);
      return resp;
    }),
    configure: handle((req) => {
      const variables: Record<string, string> = {};
      req.getVariablesMap().forEach((v: string, k: string) => {
        variables[k] = v;
      });
      plugin.configure(toJs(req.getArgs()), variables, req.getAcceptsecrets());
      const resp = new provproto.ConfigureResponse();
      resp.setAcceptsecrets(true);
      resp.setSupportspreview(true);
      resp.setAcceptresources(false);
      resp.setAcceptoutputs(false);
      return resp;
    }),
    check: handle((req) => {
      const r = plugin.check(req.getType() || typeOfUrn(req.getUrn()), req.getUrn(), toJs(req.getOlds()), toJs(req.getNews()));
      const resp = new provproto.CheckResponse();
      resp.setInputs(toStruct(r.inputs));
      resp.setFailuresList(failuresOf(r.failures));
      return resp;
    }),
    diff: handle((req) => {
      const d = plugin.diff(req.getType() || typeOfUrn(req.getUrn()), toJs(req.getOlds()), toJs(req.getNews()));
      const resp = new provproto.DiffResponse();
      resp.setChanges(d.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
      resp.setDiffsList(d.diffs);
      resp.setReplacesList(d.replaces);
      resp.setDeletebeforereplace(d.deleteBeforeReplace);
      resp.setHasdetaileddiff(true);
      const detailed = resp.getDetaileddiffMap();
      for (const [k, kind] of Object.entries(d.detailedDiff)) {
        const pd = new provproto.PropertyDiff();
        pd.setKind(kind === "update-replace" ? provproto.PropertyDiff.Kind.UPDATE_REPLACE : provproto.PropertyDiff.Kind.UPDATE);
        pd.setInputdiff(true);
        detailed.set(k, pd);
      }
      return resp;
    }),
    create: handle(async (req) => {
      const r = await plugin.create(
        req.getType() || typeOfUrn(req.getUrn()),
        toJs(req.getProperties()),
        req.getPreview(),
        req.getTimeout(),
      );
      const resp = new provproto.CreateResponse();
      resp.setId(r.id);
      resp.setProperties(toStruct(r.outs));
      return resp;
    }),
    read: handle(async (req) => {
      const r = await plugin.read(req.getType() || typeOfUrn(req.getUrn()), req.getId(), toJs(req.getProperties()), toJs(req.getInputs()));
      const resp = new provproto.ReadResponse();
      resp.setId(r.id);
      resp.setProperties(toStruct(r.outs));
      if (r.inputs) resp.setInputs(toStruct(r.inputs));
      return resp;
    }),
    update: handle(async (req) => {
      const outs = await plugin.update(
        req.getType() || typeOfUrn(req.getUrn()),
        req.getId(),
        toJs(req.getOlds()),
        toJs(req.getNews()),
        req.getPreview(),
        req.getTimeout(),
      );
      return new provproto.UpdateResponse().setProperties(toStruct(outs));
    }),
    delete: handle(async (req) => {
      await plugin.delete(req.getType() || typeOfUrn(req.getUrn()), req.getId(), toJs(req.getProperties()), req.getTimeout());
      return new emptyproto.Empty();
    }),
    invoke: handle(async (req) =>
      new provproto.InvokeResponse().setReturn(toStruct(await plugin.invoke(req.getTok(), toJs(req.getArgs())))),
    ),
    cancel: handle(() => new emptyproto.Empty()),
    handshake: unimplemented("Handshake"),
    parameterize: unimplemented("Parameterize"),
    construct: unimplemented("Construct"),
    call: unimplemented("Call"),
    attach: unimplemented("Attach"),
    getMapping: unimplemented("GetMapping"),
    getMappings: unimplemented("GetMappings"),
    streamInvoke: unimplemented("StreamInvoke"),
  };
}

/** The type token of a URN (`urn:pulumi:stack::project::[parent$]type::name`). */
function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts[parts.length - 2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/**
 * Serves `plugin` on a free loopback port: the port, and how to stop serving. The executable's
 * `main` below; the test engine also serves a plugin in its own process this way (harness/README.md).
 */
export async function listen(plugin: VezaPlugin): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 << 20, "grpc.max_send_message_length": 400 << 20 });
  server.addService(provrpc.ResourceProviderService, service(plugin, schemaText));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, p: number) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

/** Serves the plugin on a loopback port and prints the port (the engine reads it). */
export async function main(args: string[]): Promise<void> {
  // the engine's address is the last argument that is not a flag (flags such as -v=9 may come first)
  const { port } = await listen(new VezaPlugin(engineWarn(args.filter((a) => !a.startsWith("-")).pop())));
  process.stdout.write(`${port}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`pulumi-resource-veza: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
}
