/**
 * What a resource class does around the SDK's registration (provider/resources/shared/resource-class.ts):
 * the SDK records a stack trace on every promise it makes for an output, and a class registers with
 * none (issue 31: formatting them was most of a large program's CPU); Error.stackTraceLimit is as it
 * was afterwards, also when the SDK's registration throws; a class is a `pulumi.dynamic.Resource`
 * registered without Pulumi's closure serializer. Through the test engine, in process.
 */
import * as pulumi from "@pulumi/pulumi";
import * as veza from "../../provider";
import { IN_PROCESS, rig, type Rig } from "./helpers";

const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
  debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
};

let r: Rig;
beforeAll(async () => {
  r = await rig({}, IN_PROCESS);
});
afterAll(() => r.close());

interface Made {
  ctx: string;
  limit: number;
}

/** Runs `fn` recording every debuggable promise's context and the stack-trace limit in force when it was made. */
function recordingLimits<T>(fn: (made: Made[]) => Promise<T>): Promise<{ result: T; made: Made[] }> {
  const made: Made[] = [];
  const original = debuggable.debuggablePromise;
  debuggable.debuggablePromise = function (this: unknown, p: Promise<unknown>, ctx: unknown) {
    made.push({ ctx: String(ctx), limit: Error.stackTraceLimit });
    return original.call(this, p, ctx);
  };
  return fn(made)
    .then((result) => ({ result, made }))
    .finally(() => {
      debuggable.debuggablePromise = original;
    });
}

test("a resource registers with no stack-trace frames, and the limit is the program's again afterwards", async () => {
  const limits: number[] = [];
  let during: [number, number] = [0, 0];
  const { result, made } = await recordingLimits((made) =>
    r.engine().preview(() => {
      limits.push(Error.stackTraceLimit);
      const from = made.length;
      new veza.AccessProfileType("type", { name: "Profile" });
      during = [from, made.length];
      limits.push(Error.stackTraceLimit);
    }),
  );
  expect(result.errors).toEqual([]);
  expect(limits[1]).toBe(limits[0]);
  expect(limits[0]).toBeGreaterThan(0);
  // made while it registered: its URN's and id's resolvers and four for each output, e.g.
  // `transferProperty(resource:type[pulumi-nodejs:dynamic/veza:AccessProfileType], name, Profile)`
  const registering = made.slice(...during);
  expect(registering.filter((m) => m.ctx.startsWith("transferProperty(resource:type[")).length).toBeGreaterThan(5);
  expect(registering.filter((m) => m.limit !== 0)).toEqual([]);
  // what the SDK makes later, once the inputs resolve (the monitor's registration), has the program's limit
  expect(made.find((m) => m.ctx.startsWith("monitor.registerResource(resource:type["))?.limit).toBe(limits[0]);
});

test("when the SDK's registration throws, the limit is the program's again and the error is the SDK's", async () => {
  const seen: { before?: number; after?: number; error?: string } = {};
  const s = await r.engine().preview(() => {
    seen.before = Error.stackTraceLimit;
    try {
      new veza.AccessProfileType("bad", { name: "Bad" }, { parent: {} as never });
    } catch (e) {
      seen.error = (e as Error).message;
    }
    seen.after = Error.stackTraceLimit;
  });
  expect(s.errors).toEqual([]);
  expect(seen.error).toMatch(/^Resource parent is not a valid Resource/);
  expect(seen.after).toBe(seen.before);
});

/** A dynamic resource of Pulumi's own kind (the SDK's class is abstract). */
class Control extends pulumi.dynamic.Resource {}

test("a resource is a pulumi.dynamic.Resource, registered without Pulumi's closure serializer", async () => {
  // dynamic.Resource's constructor serializes its provider object through this module (loaded on first use)
  const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: (...a: unknown[]) => unknown };
  const original = closure.serializeFunction;
  const serialized: string[] = [];
  const made: Record<string, pulumi.Resource> = {};
  closure.serializeFunction = function (this: unknown, ...args: unknown[]) {
    serialized.push(String(args[0]));
    return original.apply(this, args);
  };
  try {
    const s = await r.engine().preview(() => {
      made.veza = new veza.AccessProfileType("type", { name: "Profile" });
      // the control: a dynamic resource of Pulumi's own kind, whose provider the SDK serializes
      const provider: pulumi.dynamic.ResourceProvider = { create: async () => ({ id: "x" }) };
      made.control = new Control(provider, "control", {});
    });
    expect(s.errors).toEqual([]);
  } finally {
    closure.serializeFunction = original;
  }
  expect(made.veza).toBeInstanceOf(pulumi.dynamic.Resource);
  expect(made.veza).toBeInstanceOf(pulumi.CustomResource);
  // the control's provider only: ours is module text (shared/shell.ts), never a serialized closure
  expect(serialized).toEqual(["() => provider"]);
});
