/**
 * AccessProfileType: a category of access profiles and what they may do (inherit, relate to
 * entities, limits). Sections: inputs, schema, field mapping, diff, CRUD, resource class.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PROFILE_STATES, type ApiType } from "../client/normalize";
import { createOrAdopt, updateNamed, type NamedObjectOps } from "./shared/crud";
import { getApi, warn } from "./shared/context";
import { TypeUpdateUnsupportedError } from "../client/api";
import { carries, defined, diffFields, keepUncarried, outputsFrom, propsWithOutputs, type Field } from "./shared/fields";
import { diffResult, goneResult, type ResourceImpl } from "./shared/impl";
import { uBool, uEnum, uInt, uList, uNonEmpty, uObject, uString, uStringList, validate } from "./shared/schema";
import { PLACEHOLDER_PROVIDER, withShell } from "./shared/shell";

export type ProfileStateName = (typeof PROFILE_STATES)[number];

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

// ---- schema ----
const schema = z.looseObject({
  name: uNonEmpty("a non-empty string"),
  description: uString().optional(),
  allowInheritEntities: uBool().optional(),
  allowInheritedFromTypes: uStringList().optional(),
  allowCreateRelationships: uBool().optional(),
  requireSingleDatasource: uBool().optional(),
  requireSingleIntegration: uBool().optional(),
  addIntegrationPrefixToAccessProfileNames: uBool().optional(),
  maxEntitlements: uInt(0).optional(),
  createEntitlementBasedOnProfile: uBool().optional(),
  createEntitlements: uList(uObject(), "a list of objects").optional(),
  noEntitlements: uBool().optional(),
  onCreateBehavior: uEnum(PROFILE_STATES).optional(),
  instructions: uString().optional(),
  timeBeforeSyncCheckInSeconds: uInt(0).optional(),
  accessRequestPolicyId: uString().optional(),
  allowOverwriteOfAccessRequestPolicy: uBool().optional(),
  nameTransformer: uObject().optional(),
  removeEntitlementOnMemberUponUpdate: uBool().optional(),
  adoptExisting: uBool().optional(),
});

// ---- mapping ----
export const TYPE_FIELDS: readonly Field[] = [
  { input: "name", api: "name", kind: "string" },
  { input: "description", api: "description", kind: "string" },
  { input: "allowInheritEntities", api: "allow_inherit_entities", kind: "bool" },
  { input: "allowInheritedFromTypes", api: "allow_inherited_from_types", kind: "set" },
  { input: "allowCreateRelationships", api: "allow_create_relationships", kind: "bool" },
  { input: "requireSingleDatasource", api: "require_single_datasource", kind: "bool" },
  { input: "requireSingleIntegration", api: "require_single_integration", kind: "bool" },
  { input: "addIntegrationPrefixToAccessProfileNames", api: "add_integration_prefix_to_access_profile_names", kind: "bool" },
  { input: "maxEntitlements", api: "max_entitlements", kind: "int" },
  { input: "createEntitlementBasedOnProfile", api: "create_entitlement_based_on_profile", kind: "bool" },
  { input: "createEntitlements", api: "create_entitlements", kind: "list" },
  { input: "noEntitlements", api: "no_entitlements", kind: "bool" },
  { input: "onCreateBehavior", api: "on_create_behavior", kind: "enum", enumNames: PROFILE_STATES },
  { input: "instructions", api: "instructions", kind: "string" },
  { input: "timeBeforeSyncCheckInSeconds", api: "time_before_sync_check_in_seconds", kind: "int" },
  { input: "accessRequestPolicyId", api: "access_request_policy_id", kind: "string" },
  { input: "allowOverwriteOfAccessRequestPolicy", api: "allow_overwrite_of_access_request_policy", kind: "bool" },
  { input: "nameTransformer", api: "name_transformer", kind: "object" },
  { input: "removeEntitlementOnMemberUponUpdate", api: "remove_entitlement_on_member_upon_update", kind: "bool" },
];


function outputs(t: ApiType, inputs: Record<string, unknown>, previous?: Record<string, unknown>): Record<string, unknown> {
  const outs = defined({
    ...outputsFrom(TYPE_FIELDS, t),
    adoptExisting: inputs.adoptExisting === true,
    // read-only: left out (not invented) when a partial response did not carry them
    profilesCount: carries(t, "profiles_count") ? (t.profiles_count ?? 0) : undefined,
    integrations: carries(t, "integrations") ? [...t.integrations].sort() : undefined,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  });
  return keepUncarried(TYPE_READ_ONLY, keepUncarried(TYPE_FIELDS, outs, t, previous), t, previous);
}

/** Read-only outputs, for keeping their last value when a list item leaves them out. */
const TYPE_READ_ONLY: readonly Field[] = [
  { input: "profilesCount", api: "profiles_count", kind: "int" },
  { input: "integrations", api: "integrations", kind: "set" },
  { input: "createdAt", api: "created_at", kind: "string" },
  { input: "updatedAt", api: "updated_at", kind: "string" },
];

const ops = (): NamedObjectOps<ApiType> => ({
  what: "access profile type",
  fields: TYPE_FIELDS,
  idOf: (t) => t.id,
  outputs,
  findByName: (name) => getApi().findTypeByName(name),
  create: (body) => getApi().createType(body),
  update: async (id, body, mask, inputs) => {
    try {
      return await getApi().updateType(id, body, mask);
    } catch (e) {
      if (!(e instanceof TypeUpdateUnsupportedError)) throw e;
      const fields = TYPE_FIELDS.filter((f) => mask.includes(f.api)).map((f) => f.input);
      throw new Error(
        `AccessProfileType "${String(inputs.name ?? id)}" (${id}): cannot change ${fields.join(", ")}: ${e.message}. ` +
          `Change ${fields.length === 1 ? "it" : "them"} in Veza and run \`pulumi refresh\`, or set the inputs back to the values in Veza; ` +
          `to force a new type, give it a new name and move its profiles.`,
        { cause: e },
      );
    }
  },
});

// ---- CRUD ----
export const impl: ResourceImpl = {
  async check(_olds, news) {
    return { inputs: news, failures: validate(schema, news, `AccessProfileType "${news?.name ?? ""}"`) };
  },

  async diff(_id, olds, news) {
    return diffResult(diffFields(TYPE_FIELDS, olds, news).changed, []);
  },

  async create(inputs) {
    return createOrAdopt(ops(), inputs);
  },

  async read(id, props) {
    // from the documented list, one walk shared by every read of the process (client/list-index)
    const t = await getApi().findType(id);
    if (!t) return goneResult("AccessProfileType", id, props);
    return { id, props: outputs(t, props ?? {}, props) };
  },

  async update(id, olds, news) {
    return updateNamed(ops(), id, olds, news);
  },

  async delete(id, props) {
    const outcome = await getApi().deleteType(id);
    if (outcome === "unsupported") {
      warn(`AccessProfileType "${props?.name ?? id}": this Veza tenant does not support deleting profile types; it was left in Veza and dropped from the stack.`);
    }
  },
};

// ---- resource ----
/**
 * The outputs the class declares (each gets an Output on the resource object). Only these are
 * registered as output properties: every registered property costs the Pulumi runtime work per
 * resource; the state still holds all outputs.
 */
const TYPE_OUTPUTS = ["name", "description", "allowInheritEntities", "allowInheritedFromTypes", "allowCreateRelationships", "requireSingleDatasource", "requireSingleIntegration", "maxEntitlements", "onCreateBehavior", "profilesCount", "integrations", "createdAt", "updatedAt"];

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
export class AccessProfileType extends pulumi.dynamic.Resource {
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
  /** Most entitlements a profile of this type may hold (undefined: no limit). */
  declare public readonly maxEntitlements: pulumi.Output<number | undefined>;
  /** State of new profiles of this type, as Veza reports it. */
  declare public readonly onCreateBehavior: pulumi.Output<ProfileStateName | undefined>;
  /** Number of profiles of this type (read-only; computed by Veza, so a refresh after an `up` may report a new value). */
  declare public readonly profilesCount: pulumi.Output<number>;
  /** Integrations Veza lists for the type (read-only; computed by Veza). */
  declare public readonly integrations: pulumi.Output<string[]>;
  /** When Veza created the type (read-only). */
  declare public readonly createdAt: pulumi.Output<string>;
  /** When Veza last changed the type (read-only). */
  declare public readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: AccessProfileTypeArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      PLACEHOLDER_PROVIDER,
      name,
      withShell(propsWithOutputs({ ...args, name: args.name ?? name }, TYPE_OUTPUTS), "AccessProfileType"),
      opts,
      "veza",
      "AccessProfileType",
    );
  }

  /**
   * The existing access profile type with this Veza id, read-only in this stack (its outputs come from Veza;
   * nothing is written or deleted). Fails when Veza has no such object.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): AccessProfileType {
    return new AccessProfileType(name, {} as AccessProfileTypeArgs, { ...opts, id });
  }
}
