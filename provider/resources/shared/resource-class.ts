/** The base of the four resource classes: what every one of them passes to `pulumi.dynamic.Resource`. */
import * as pulumi from "@pulumi/pulumi";
import type { DeclaredResource } from "./declare";
import { PLACEHOLDER_PROVIDER } from "./shell";

export abstract class VezaResource extends pulumi.dynamic.Resource {
  /** `declared`: the resource's declaration (its kind, registered outputs and inputs). */
  protected constructor(declared: DeclaredResource<any>, name: string, args: object, opts?: pulumi.CustomResourceOptions) {
    super(PLACEHOLDER_PROVIDER, name, declared.props(name, args), opts, "veza", declared.kind);
  }
}
