/**
 * AccessProfileType: a category of access profiles and what they may do (inherit, relate to
 * entities, limits). Sections: inputs, declaration (validation, API fields, diff, calls), resource class.
 */
import type * as pulumi from "@pulumi/pulumi";
import { PROFILE_STATES, type ApiType, type ProfileStateName } from "../client/api-objects";
import { TypeUpdateUnsupportedError, VezaResourceError } from "../errors";
import { namedOperations, type NamedObjectOps } from "./shared/crud";
import type { ProviderContext } from "./shared/context";
import { ADOPT_EXISTING_INPUT, TIMESTAMP_OUTPUTS, declareResource, type DeclaredResource, type OutputsOf } from "./shared/declare";
import { VezaResource, type ResourceState } from "./shared/resource-class";

export type { ProfileStateName };

// ---- inputs ----
export interface AccessProfileTypeArgs {
  /** Name of the type, unique in the tenant. Defaults to the resource's logical name. */
  name?: pulumi.Input<string>;
  /** What the type is for. */
  description?: pulumi.Input<string>;
  /** Profiles of this type may inherit entities from other profiles. */
  allowInheritEntities?: pulumi.Input<boolean>;
  /** Ids of the AccessProfileTypes whose profiles these may inherit from (empty: any). Order does not matter. */
  allowInheritedFromTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /** Profiles of this type may relate directly to entities. */
  allowCreateRelationships?: pulumi.Input<boolean>;
  /** All entities of a profile must come from one datasource. */
  requireSingleDatasource?: pulumi.Input<boolean>;
  /** All entities of a profile must come from one integration. */
  requireSingleIntegration?: pulumi.Input<boolean>;
  /** Prefix profile names with the integration (with `requireSingleIntegration`). */
  addIntegrationPrefixToAccessProfileNames?: pulumi.Input<boolean>;
  /** Most entitlements a profile of this type may hold (>= 0; unset: no limit). */
  maxEntitlements?: pulumi.Input<number>;
  /** Create entitlements that are not found (with `requireSingleIntegration`). */
  createEntitlementBasedOnProfile?: pulumi.Input<boolean>;
  /** Entitlements to create from attribute transformers when a profile is created (API objects, camelCase keys). */
  createEntitlements?: pulumi.Input<Record<string, unknown>[]>;
  /** Create no entitlements when a profile is created. */
  noEntitlements?: pulumi.Input<boolean>;
  /** State of new profiles of this type. Unset: the server's default. */
  onCreateBehavior?: pulumi.Input<ProfileStateName>;
  /** Markdown instructions shown when creating a profile of this type. */
  instructions?: pulumi.Input<string>;
  /** Sync interval with the target in seconds (0 disables). Unset: the server's default. */
  timeBeforeSyncCheckInSeconds?: pulumi.Input<number>;
  /** Access request policy attached to new profiles. */
  accessRequestPolicyId?: pulumi.Input<string>;
  /** Profiles may override the access request policy. Unset: the server's default. */
  allowOverwriteOfAccessRequestPolicy?: pulumi.Input<boolean>;
  /** Name transformer rules (API object, camelCase keys). */
  nameTransformer?: pulumi.Input<Record<string, unknown>>;
  /** Remove deleted entitlements from members when a version is updated. */
  removeEntitlementOnMemberUponUpdate?: pulumi.Input<boolean>;
  /** On create, take over an existing type of the same name instead of failing with 409 (default false). */
  adoptExisting?: pulumi.Input<boolean>;
}

/** The outputs as the state holds them: every input, and what Veza computes. */
export type AccessProfileTypeOutputs = OutputsOf<
  AccessProfileTypeArgs,
  { profilesCount: number; integrations: string[]; createdAt: string; updatedAt: string }
>;

/** The outputs the class registers (its `declare` members below; checked at compile time). */
const TYPE_OUTPUTS = [
  "name",
  "description",
  "allowInheritEntities",
  "allowInheritedFromTypes",
  "allowCreateRelationships",
  "requireSingleDatasource",
  "requireSingleIntegration",
  "addIntegrationPrefixToAccessProfileNames",
  "maxEntitlements",
  "createEntitlementBasedOnProfile",
  "createEntitlements",
  "noEntitlements",
  "onCreateBehavior",
  "instructions",
  "timeBeforeSyncCheckInSeconds",
  "accessRequestPolicyId",
  "allowOverwriteOfAccessRequestPolicy",
  "nameTransformer",
  "removeEntitlementOnMemberUponUpdate",
  "adoptExisting",
  "profilesCount",
  "integrations",
  "createdAt",
  "updatedAt",
] as const;

// ---- declaration ----
/** The one declaration of the resource: inputs (validation, API field, diff), read-only outputs, registered outputs, calls. */
export const accessProfileType: DeclaredResource<AccessProfileTypeArgs, AccessProfileTypeOutputs, (typeof TYPE_OUTPUTS)[number]> =
  declareResource({
    kind: "AccessProfileType",
    what: "access profile type",
    nameInput: "name",
    label: (inputs) => `AccessProfileType "${inputs.name ?? ""}"`,
    inputs: {
      name: { api: "name", kind: "string", required: true },
      description: { api: "description", kind: "string" },
      allowInheritEntities: { api: "allow_inherit_entities", kind: "bool" },
      allowInheritedFromTypes: { api: "allow_inherited_from_types", kind: "set" },
      allowCreateRelationships: { api: "allow_create_relationships", kind: "bool" },
      requireSingleDatasource: { api: "require_single_datasource", kind: "bool" },
      requireSingleIntegration: { api: "require_single_integration", kind: "bool" },
      addIntegrationPrefixToAccessProfileNames: { api: "add_integration_prefix_to_access_profile_names", kind: "bool" },
      maxEntitlements: { api: "max_entitlements", kind: "int" },
      createEntitlementBasedOnProfile: { api: "create_entitlement_based_on_profile", kind: "bool" },
      createEntitlements: { api: "create_entitlements", kind: "list" },
      noEntitlements: { api: "no_entitlements", kind: "bool" },
      onCreateBehavior: { api: "on_create_behavior", kind: "enum", enumNames: PROFILE_STATES },
      instructions: { api: "instructions", kind: "string" },
      timeBeforeSyncCheckInSeconds: { api: "time_before_sync_check_in_seconds", kind: "int" },
      accessRequestPolicyId: { api: "access_request_policy_id", kind: "string" },
      allowOverwriteOfAccessRequestPolicy: { api: "allow_overwrite_of_access_request_policy", kind: "bool" },
      nameTransformer: { api: "name_transformer", kind: "object" },
      removeEntitlementOnMemberUponUpdate: { api: "remove_entitlement_on_member_upon_update", kind: "bool" },
      ...ADOPT_EXISTING_INPUT,
    },
    readOnly: {
      profilesCount: { api: "profiles_count", kind: "int" },
      integrations: { api: "integrations", kind: "set" },
      ...TIMESTAMP_OUTPUTS,
    },
    outputs: TYPE_OUTPUTS,
    operations: {
      ...namedOperations(ops),

      async delete(ctx, id, props) {
        const outcome = await ctx.api.deleteType(id);
        if (outcome === "unsupported") {
          ctx.warn(
            `AccessProfileType "${props?.name ?? id}": this Veza tenant does not support deleting profile types; it was left in Veza and dropped from the stack.`,
          );
        }
      },
    },
  });

function ops(ctx: ProviderContext): NamedObjectOps<ApiType, AccessProfileTypeArgs, AccessProfileTypeOutputs> {
  return {
    resource: accessProfileType,
    idOf: (t) => t.id,
    findByName: (name) => ctx.api.findTypeByName(name),
    find: (id) => ctx.api.findType(id),
    create: (body) => ctx.api.createType(body),
    update: async (id, body, mask, inputs) => {
      try {
        return await ctx.api.updateType(id, body, mask);
      } catch (e) {
        if (!TypeUpdateUnsupportedError.isInstance(e)) throw e;
        const fields = accessProfileType.fields.filter((f) => mask.includes(f.api)).map((f) => f.input);
        throw new VezaResourceError(
          "VEZA_TYPE_UPDATE_UNSUPPORTED",
          `AccessProfileType "${String(inputs.name ?? id)}" (${id}): cannot change ${fields.join(", ")}: ${e.message}. ` +
            `Change ${fields.length === 1 ? "it" : "them"} in Veza and run \`pulumi refresh\`, or set the inputs back to the values in Veza; ` +
            `to force a new type, give it a new name and move its profiles.`,
          e,
        );
      }
    },
  };
}

// ---- resource ----
/** What `AccessProfileType.get` may start from: any of its outputs, as Inputs (Veza's answer wins). */
export type AccessProfileTypeState = ResourceState<AccessProfileType>;

/**
 * A Veza access profile type, managed as code: a category of access profiles and the rules its
 * profiles follow (entities allowed, inheritance, limits).
 *
 * @remarks
 * A tenant without the route to change a type makes `up` fail naming the fields: change them in
 * Veza and run `pulumi refresh`, or set the inputs back. A tenant without the route to delete a type
 * leaves it in Veza on destroy and drops it from the stack, with a warning.
 *
 * @example
 * ```ts
 * import * as veza from "pulumi-veza";
 *
 * // Profiles of this type grant entities directly.
 * const profileType = new veza.AccessProfileType("profile", { name: "Profile", allowCreateRelationships: true });
 *
 * // Business roles may inherit only from profiles of the type above (its id is a dependency).
 * const roleType = new veza.AccessProfileType("business-role", {
 *   name: "Business Role",
 *   allowInheritEntities: true,
 *   allowInheritedFromTypes: [profileType.id],
 * });
 * ```
 */
export class AccessProfileType extends VezaResource {
  /** Name of the type in Veza. */
  declare public readonly name: pulumi.Output<string>;
  /** What the type is for. */
  declare public readonly description: pulumi.Output<string | undefined>;
  /** Whether profiles of this type may inherit entities from other profiles. */
  declare public readonly allowInheritEntities: pulumi.Output<boolean>;
  /** Ids of the AccessProfileTypes whose profiles these may inherit from (empty: any). */
  declare public readonly allowInheritedFromTypes: pulumi.Output<string[]>;
  /** Whether profiles of this type may relate directly to entities. */
  declare public readonly allowCreateRelationships: pulumi.Output<boolean>;
  /** Whether all entities of a profile must come from one datasource. */
  declare public readonly requireSingleDatasource: pulumi.Output<boolean>;
  /** Whether all entities of a profile must come from one integration. */
  declare public readonly requireSingleIntegration: pulumi.Output<boolean>;
  /** Whether profile names are prefixed with the integration. */
  declare public readonly addIntegrationPrefixToAccessProfileNames: pulumi.Output<boolean>;
  /** Most entitlements a profile of this type may hold (undefined: no limit). */
  declare public readonly maxEntitlements: pulumi.Output<number | undefined>;
  /** Whether entitlements that are not found are created. */
  declare public readonly createEntitlementBasedOnProfile: pulumi.Output<boolean>;
  /** Entitlements created from attribute transformers when a profile is created (camelCase keys). */
  declare public readonly createEntitlements: pulumi.Output<Record<string, unknown>[]>;
  /** Whether no entitlements are created when a profile is created. */
  declare public readonly noEntitlements: pulumi.Output<boolean>;
  /** State of new profiles of this type, as Veza reports it. */
  declare public readonly onCreateBehavior: pulumi.Output<ProfileStateName | undefined>;
  /** Markdown instructions shown when creating a profile of this type. */
  declare public readonly instructions: pulumi.Output<string | undefined>;
  /** Sync interval with the target in seconds (0: disabled). */
  declare public readonly timeBeforeSyncCheckInSeconds: pulumi.Output<number | undefined>;
  /** Access request policy attached to new profiles. */
  declare public readonly accessRequestPolicyId: pulumi.Output<string | undefined>;
  /** Whether profiles may override the access request policy. */
  declare public readonly allowOverwriteOfAccessRequestPolicy: pulumi.Output<boolean>;
  /** Name transformer rules (camelCase keys). */
  declare public readonly nameTransformer: pulumi.Output<Record<string, unknown> | undefined>;
  /** Whether deleted entitlements are removed from members when a version is updated. */
  declare public readonly removeEntitlementOnMemberUponUpdate: pulumi.Output<boolean>;
  /** Whether create was told to take over an existing type of the same name (the input as given). */
  declare public readonly adoptExisting: pulumi.Output<boolean>;
  /** Number of profiles of this type (read-only; computed by Veza, so a refresh after an `up` may report a new value). */
  declare public readonly profilesCount: pulumi.Output<number>;
  /** Integrations Veza lists for the type (read-only; computed by Veza). */
  declare public readonly integrations: pulumi.Output<string[]>;
  /** When Veza created the type (read-only). */
  declare public readonly createdAt: pulumi.Output<string>;
  /** When Veza last changed the type (read-only). */
  declare public readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: AccessProfileTypeArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(accessProfileType, name, args, opts);
  }
}
