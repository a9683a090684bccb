/** The base of the resource classes: what every one of them registers, and `get`. */
import type * as pulumi from "@pulumi/pulumi";
// the SDK's own modules, not its index, which loads all of the SDK (CONTRIBUTING, "Loading @pulumi/pulumi")
import { Resource as DynamicResource } from "@pulumi/pulumi/dynamic";
import { CustomResource } from "@pulumi/pulumi/resource";
import type { DeclaredResource, RegisteredOutputs } from "./declare";
import { LOOKUP } from "./impl";
import { applyResourceOptions } from "./options";
import { DYNAMIC_TYPE_PREFIX } from "./shell";

/** The value type of an output member (`pulumi.Output<V>` → `V`). */
export type OutputValue<O> = O extends pulumi.Output<infer V> ? V : never;

/**
 * What `get` may start from (the `state` of Pulumi's generated packages): any of the resource's
 * outputs, as Inputs. Veza's answer wins; a value stands only where the read does not carry the field.
 */
export type ResourceState<T> = { [K in RegisteredOutputs<T>]?: pulumi.Input<OutputValue<T[K]>> };

/**
 * A `pulumi.dynamic.Resource` (see below), registered as one: type `pulumi-nodejs:dynamic/veza:<Kind>`,
 * the provider module text in `__provider` (./shell.ts). Its constructor is `CustomResource`'s, not
 * `dynamic.Resource`'s: that one serializes the provider object it is given with Pulumi's closure
 * serializer, which in every program run parses its functions with TypeScript, walks Node's built-in
 * modules and globals and asks V8's inspector about them (~0.15 s of CPU), only for us to register
 * our own text instead.
 */
export abstract class VezaResource extends CustomResource {
  /** `declared`: the resource's declaration (its kind, registered outputs and inputs). */
  protected constructor(declared: DeclaredResource<any, any>, name: string, args: object, opts?: pulumi.CustomResourceOptions) {
    // resource options a dynamic provider must handle itself (`import`, secret outputs of other names; ./options.ts)
    const applied = applyResourceOptions(declared, name, args as Record<string, unknown>, opts);
    // The SDK records a stack trace on each promise it makes for an output while it registers (read
    // only to report a leaked promise, and then its frames are the SDK's own): formatted through
    // source maps, that was most of a large program's CPU and grew faster than the stack (issue 31).
    // Registering with no frames is synchronous and restored before anything else runs; the resource's
    // source position is unaffected (the SDK takes it with a limit of its own).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(DYNAMIC_TYPE_PREFIX + declared.kind, name, declared.props(name, applied.args), applied.opts);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  /**
   * The existing object with this Veza id, read-only in this stack: its outputs come from Veza, and
   * nothing is written or deleted. Fails when Veza has no such object. E.g.
   * `veza.AccessProfile.get("existing", "<id>")`; the id of a version is `<profileId>/versions/<n>`,
   * of a membership `<profileId>/versions/<n>/members`. `state` (optional, as in Pulumi's generated
   * packages): output values to assume where Veza's answer does not carry the field; `opts`: the
   * resource options (e.g. `{ provider }`, `{ parent }`).
   */
  static get<T extends VezaResource>(
    this: new (
      name: string,
      args: any,
      opts?: pulumi.CustomResourceOptions,
    ) => T,
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: ResourceState<T>,
    opts?: pulumi.CustomResourceOptions,
  ): T {
    // the marker tells the read it is a look-up (an error when the object is gone), even with `state`
    return new this(name, { ...state, [LOOKUP]: true }, { ...opts, id });
  }
}

// `instanceof pulumi.dynamic.Resource` holds, as for any dynamic resource (`dynamic.Resource` adds no
// members, only its constructor, which `super` above skips)
Object.setPrototypeOf(VezaResource.prototype, DynamicResource.prototype);
