/** The base of the resource classes: what every one of them passes to `pulumi.dynamic.Resource`, and `get`. */
import * as pulumi from "@pulumi/pulumi";
import type { DeclaredResource } from "./declare";
import { PLACEHOLDER_PROVIDER } from "./shell";

export abstract class VezaResource extends pulumi.dynamic.Resource {
  /** `declared`: the resource's declaration (its kind, registered outputs and inputs). */
  protected constructor(declared: DeclaredResource<any, any>, name: string, args: object, opts?: pulumi.CustomResourceOptions) {
    super(PLACEHOLDER_PROVIDER, name, declared.props(name, args), opts, "veza", declared.kind);
  }

  /**
   * The existing object with this Veza id, read-only in this stack: its outputs come from Veza, and
   * nothing is written or deleted. Fails when Veza has no such object. E.g.
   * `veza.AccessProfile.get("existing", "<id>")`; the id of a version is `<profileId>/versions/<n>`,
   * of a membership `<profileId>/versions/<n>/members`.
   */
  static get<T extends VezaResource>(
    this: new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => T,
    name: string,
    id: pulumi.Input<pulumi.ID>,
    opts?: pulumi.CustomResourceOptions,
  ): T {
    return new this(name, {}, { ...opts, id });
  }
}
