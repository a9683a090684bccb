/**
 * AccessProfileVersion: what a version of a profile grants (entities, inheritance). It writes onto
 * an existing version; deleting it clears the version's entities and inheritance (the profile stays).
 * Sections: inputs, declaration (validation, API fields, diff, calls), resource class.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { VERSION_STATES, type ApiVersion, type VersionStateName } from "../client/api-objects";
import { parseApi, versionSchema } from "../client/normalize";
import { ROUTE_MISSING, type VezaApi } from "../client/api";
import { ADOPT_EXISTING_INPUT, declareResource, type DeclaredResource, type OutputsOf, type Resolved } from "./shared/declare";
import { VezaApiError, VezaResourceError } from "../errors";
import { apiBody, canon, diffFields, snakeKeys } from "./shared/fields";
import { ENTITY_RULES, learnEnumCodes, mergeEntities, withEnumCodes, type EnumCodes } from "./version-entities";
import { goneResult, isLookup, lastKnown } from "./shared/impl";
import { providerOptions } from "./shared/options";
import { unk, uBool, uEnum, uList, uNonEmpty, uString, uStringMap } from "./shared/schema";
import { VezaResource, type ResourceState } from "./shared/resource-class";
import {
  clearVersionContent,
  listedVersion,
  parseVersionId,
  profileNotListed,
  resolveVersion,
  unlessGone,
  versionId,
  VERSION_SCOPE_INPUTS,
  type VersionRef,
} from "./shared/version-ref";

// ---- inputs ----
/** An entity the version relates its members to. */
export interface Entity {
  /** Entity type, e.g. "SalesforceGroup", "ActiveDirectoryGroup", "AwsIamRole", "OktaGroup". */
  entityType: pulumi.Input<string>;
  /** Lifecycle-manager datasource that holds the entity. */
  datasourceId: pulumi.Input<string>;
  /** The entity's id in that datasource. */
  entityId: pulumi.Input<string>;
  /** Type of the entity to assign to (the guide's `assigned_to_entity_type`). */
  assignedToEntityType?: pulumi.Input<string>;
  /** Id of the entity to assign to (with `assignedToEntityType`). */
  assignedToEntityId?: pulumi.Input<string>;
  /** How the grant is applied (PolicyRules.GrantBy, name or number). */
  grantBy?: pulumi.Input<string | number>;
  /** Grant only to identities matching the condition. */
  condition?: pulumi.Input<{ type: pulumi.Input<string | number>; conditionString: pulumi.Input<string> }>;
  /** Action used to create an identity for this entity. */
  syncIdentityAction?: pulumi.Input<{ policyId: pulumi.Input<string>; name: pulumi.Input<string> }>;
  /** Custom properties of the entity (string values). */
  customProperties?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Whether the profile created this entity (documented; unset: Veza's value is kept on every rewrite). */
  createdByAccessProfile?: pulumi.Input<boolean>;
}

export type { VersionStateName };

// ---- outputs (plain shapes: what the state holds) ----
/** The condition of an entity, as an output. */
export interface EntityCondition {
  /** Condition type (a name, or the number Veza answered). */
  type: string | number;
  /** The condition. */
  conditionString: string;
}

/** An identity action (an entity's `syncIdentityAction`, a version's `applicationSyncIdentityAction`), as an output. */
export interface SyncIdentityAction {
  /** Id of the policy. */
  policyId: string;
  /** Name of the action. */
  name: string;
}

/** An entity of a version, as an output (the fields the program manages, as Veza reports them). */
export interface EntityOutput {
  /** Entity type, e.g. "SalesforceGroup". */
  entityType: string;
  /** Lifecycle-manager datasource that holds the entity. */
  datasourceId: string;
  /** The entity's id in that datasource. */
  entityId: string;
  /** Type of the entity to assign to. */
  assignedToEntityType?: string;
  /** Id of the entity to assign to. */
  assignedToEntityId?: string;
  /** How the grant is applied (a name, or the number Veza answered). */
  grantBy?: string | number;
  /** Grant only to identities matching the condition. */
  condition?: EntityCondition;
  /** Action used to create an identity for this entity. */
  syncIdentityAction?: SyncIdentityAction;
  /** Custom properties of the entity. */
  customProperties?: Record<string, string>;
  /** Whether the profile created this entity. */
  createdByAccessProfile?: boolean;
}

export interface AccessProfileVersionArgs {
  /** Id of the AccessProfile (a dependency). Changing it replaces this resource. */
  accessProfileId: pulumi.Input<string>;
  /** Version to manage. Default: the profile's current version, looked up once at create. Changing it replaces. */
  versionNumber?: pulumi.Input<number>;
  /** Entities to relate to; order does not matter. Unset: not managed; `[]` clears them. */
  entities?: pulumi.Input<pulumi.Input<Entity>[]>;
  /** Ids of AccessProfiles to inherit entities from (dependencies); order does not matter. */
  inheritFrom?: pulumi.Input<pulumi.Input<string>[]>;
  /** "DRAFT" or "PUBLISHED". Unset: not managed. */
  state?: pulumi.Input<"DRAFT" | "PUBLISHED">;
  /** Access request policy of this version. */
  accessRequestPolicyId?: pulumi.Input<string>;
  /** Datasource for the assign-application use case (types without entitlements or inheritance). */
  applicationDatasourceId?: pulumi.Input<string>;
  /** Identity action for the application datasource. */
  applicationSyncIdentityAction?: pulumi.Input<{ policyId: pulumi.Input<string>; name: pulumi.Input<string> }>;
  /**
   * On create, read the version first and write only the fields that differ (none when the tenant
   * already matches). Default false: create writes the declared fields in one PATCH.
   */
  adoptExisting?: pulumi.Input<boolean>;
}

// ---- validation of nested inputs ----
const syncAction = unk(z.looseObject({ policyId: uNonEmpty(), name: uNonEmpty() }, { error: "must be an object { policyId, name }" }));
const entity = z.looseObject(
  {
    entityType: uNonEmpty("a non-empty entity type, e.g. SalesforceGroup"),
    datasourceId: uNonEmpty("a non-empty datasource id"),
    entityId: uNonEmpty("a non-empty entity id"),
    assignedToEntityType: uString().optional(),
    assignedToEntityId: uString().optional(),
    grantBy: unk(z.union([z.string(), z.number()], { error: "must be a GrantBy name or number" })).optional(),
    condition: unk(
      z.looseObject(
        { type: unk(z.union([z.string(), z.number()])), conditionString: uNonEmpty() },
        { error: "must be an object { type, conditionString }" },
      ),
    ).optional(),
    syncIdentityAction: syncAction.optional(),
    customProperties: uStringMap().optional(),
    createdByAccessProfile: uBool().optional(),
  },
  { error: "must be an entity object { entityType, datasourceId, entityId, ... }" },
);
/**
 * The outputs as the state holds them: every input, what Veza computes, and the open-enum codes
 * learned from write responses (`enumCodes`, internal: what makes a name and its number compare equal).
 */
export type AccessProfileVersionOutputs = OutputsOf<
  AccessProfileVersionArgs,
  { entities: EntityOutput[]; state: VersionStateName; members: string[]; publishedAt: string; updatedAt: string; enumCodes: EnumCodes }
>;
type VersionInputs = Resolved<AccessProfileVersionArgs>;

/** The outputs the class registers (its `declare` members below; checked at compile time). */
const VERSION_OUTPUTS = [
  "accessProfileId",
  "versionNumber",
  "entities",
  "inheritFrom",
  "state",
  "accessRequestPolicyId",
  "applicationDatasourceId",
  "applicationSyncIdentityAction",
  "adoptExisting",
  "members",
  "publishedAt",
  "updatedAt",
] as const;

// ---- declaration ----
/** The one declaration of the resource: inputs (validation, API field, diff), read-only outputs, registered outputs, calls. */
export const accessProfileVersion: DeclaredResource<
  AccessProfileVersionArgs,
  AccessProfileVersionOutputs,
  (typeof VERSION_OUTPUTS)[number]
> = declareResource({
  kind: "AccessProfileVersion",
  what: "access profile version",
  idForm: "<profileId>/versions/<n>",
  label: (inputs) => `AccessProfileVersion of profile ${inputs.accessProfileId ?? "?"}`,
  inputs: {
    ...VERSION_SCOPE_INPUTS,
    entities: {
      api: "entities_to_create_relationships_to",
      kind: "entities",
      items: ENTITY_RULES,
      schema: uList(entity, "a list of entities"),
    },
    inheritFrom: { api: "inherit_entities_from_access_profiles", kind: "set" },
    // outputs may read RETIRED; a program may set only these two
    state: { api: "state", kind: "enum", enumNames: VERSION_STATES, schema: uEnum(["DRAFT", "PUBLISHED"]) },
    accessRequestPolicyId: { api: "access_request_policy_id", kind: "string" },
    applicationDatasourceId: { api: "application_datasource_id", kind: "string" },
    applicationSyncIdentityAction: { api: "application_sync_identity_action", kind: "object", schema: syncAction },
    ...ADOPT_EXISTING_INPUT,
  },
  readOnly: {
    members: { api: "members", kind: "set" },
    publishedAt: { api: "published_at", kind: "string" },
    updatedAt: { api: "updated_at", kind: "string" },
  },
  outputs: VERSION_OUTPUTS,
  operations: {
    async create(ctx, inputs) {
      // The version always exists already: "create" takes it over and writes only what the program
      // declares (with adoptExisting, only what differs), never clearing what it does not mention.
      // the import option names the version; otherwise the given number or the profile's current one
      const { adoptId } = providerOptions(inputs);
      const ref =
        adoptId !== undefined ? parseVersionId(adoptId) : await resolveVersion(ctx.api, inputs.accessProfileId, inputs.versionNumber);
      const id = versionId(ref);
      const adopting = inputs.adoptExisting === true || adoptId !== undefined;
      const fields = declared(inputs);
      const mustRead = adopting || fields.includes(ENTITIES);
      const seen = mustRead ? await currentContent(ctx.api, ref) : ctx.api.knownVersion(ref.profileId, ref.version);
      if (adopting && !seen) {
        throw new VezaResourceError(
          "VEZA_VERSION_UNREADABLE",
          `AccessProfileVersion ${id}: no route of this Veza tenant can read this version to adopt it`,
        );
      }
      const current = seen ? outputs(ref, seen, { inputs }) : undefined;
      const send = adopting ? diffFields(accessProfileVersion.fields, current!, inputs).changed : fields;
      if (send.length === 0) return { id, outs: current ?? outputs(ref, NOTHING_READ, { inputs }) };
      return { id, outs: await writeOutputs(ctx.api, ref, inputs, send, current) };
    },

    async read(ctx, id, props) {
      const ref = parseVersionId(id);
      // the current version comes with its profile's list item (one walk for every read of a refresh)
      const listed = await listedVersion(ctx.api, ref);
      if (!listed.profile) return goneResult("AccessProfile", ref.profileId, props);
      if (listed.version) return { id, props: readOutputs(ref, listed.version, props) };
      const got = await ctx.api.getVersion(ref.profileId, ref.version);
      if (got !== ROUTE_MISSING) return { id, props: readOutputs(ref, got, props) };
      // A look-up (get / opts.id) has nothing to keep: what it returns must be Veza's, so it fails.
      if (isLookup(props)) {
        throw new VezaResourceError(
          "VEZA_VERSION_UNREADABLE",
          `AccessProfileVersion ${id}: version ${ref.version} is not the profile's current version (${listed.profile.current_version_number ?? "?"}) ` +
            `and no route of this Veza tenant read it (a tenant without the assumed GET of a version, or no such version), so it cannot be looked up (get); look up the profile's current version instead`,
        );
      }
      // No documented route reads a version that is not the current one: keep what we knew, and say so.
      ctx.warn(
        `AccessProfileVersion ${id}: version ${ref.version} is not the profile's current version (${listed.profile.current_version_number ?? "?"}) ` +
          `and this Veza tenant has no route to read other versions; its last known state is kept.`,
      );
      return { id, props: lastKnown(props) };
    },

    async update(ctx, id, olds, news) {
      const ref = parseVersionId(id);
      const changed = accessProfileVersion.changed(olds, news);
      if (changed.length === 0) return { outs: accessProfileVersion.unchanged(olds, news) };
      return { outs: await writeOutputs(ctx.api, ref, news, changed, olds) };
    },

    async delete(ctx, id) {
      const ref = parseVersionId(id);
      // a 404 from this documented route means the profile (and so the version) is gone: nothing left to clear
      await unlessGone(() => clearVersionContent(ctx.api, ref.profileId, ref.version));
    },

    // grantBy / condition.type names and numbers compare equal where their codes were learned
    comparable: (props, olds) =>
      props.entities === undefined ? props : { ...props, entities: withEnumCodes(props.entities, olds.enumCodes) },
  },
});

/** The entities input (its API field is the one whose entities are merged with Veza's). */
const ENTITIES = "entities";
const entitiesField = () => accessProfileVersion.fields.find((f) => f.input === ENTITIES)!;

/** A version read by no route: as if Veza had answered with no field at all (so none is invented). */
const NOTHING_READ: ApiVersion = parseApi(versionSchema, {}, "version");

/** Outputs from a version object by the declaration's one rule; its id parts are outputs too. */
function outputs(
  ref: VersionRef,
  v: ApiVersion,
  src: { inputs: Record<string, unknown>; previous?: Record<string, unknown>; sent?: string[]; enumCodes?: EnumCodes },
): AccessProfileVersionOutputs {
  return accessProfileVersion.outputsOf(v, {
    ...src,
    computed: { accessProfileId: ref.profileId, versionNumber: ref.version, enumCodes: src.enumCodes },
  });
}

/**
 * Outputs of a read. The last outputs (`previous`) fill what the object does not carry: whole
 * fields a list item leaves out, and the fields of an entity the list shows only by its identity
 * (the guide's list example has entity_type, datasource_id and entity_id only).
 */
function readOutputs(ref: VersionRef, v: ApiVersion, previous: AccessProfileVersionOutputs | undefined): AccessProfileVersionOutputs {
  const outs = outputs(ref, v, { inputs: previous ?? {}, previous });
  if (previous && Array.isArray(outs.entities) && Array.isArray(previous.entities)) {
    const f = entitiesField();
    const before = canon(f, previous.entities) as Record<string, unknown>[];
    // Veza may answer an open enum as a name in one response and as its number in another. Where
    // the version's own updated_at (from this answer, not kept from before) is the one last seen,
    // nothing changed it since: a name then and a number now are the same value, and its code is
    // learned, so the next diff compares them equal instead of rewriting an unchanged version.
    if (typeof v.updated_at === "string" && v.updated_at !== "" && v.updated_at === previous.updatedAt) {
      const codes = learnEnumCodes(before, outs.entities, previous.enumCodes);
      if (Object.keys(codes).length) outs.enumCodes = codes;
    }
    outs.entities = canon(f, mergeEntities(outs.entities, before)) as typeof outs.entities;
  }
  return outs;
}

/**
 * PATCHes the fields in `sent` (the program's declared ones, or those that changed). Entities are
 * sent completed with what Veza has and the program does not set (`current`: the version as last
 * seen), so a rewrite never drops e.g. `created_by_access_profile`.
 */
async function write(
  api: VezaApi,
  ref: VersionRef,
  inputs: VersionInputs,
  sent: string[],
  current: AccessProfileVersionOutputs | undefined,
): Promise<ApiVersion> {
  const { body, mask } = apiBody(accessProfileVersion.fields, inputs, sent, current as Record<string, unknown> | undefined);
  const f = entitiesField();
  if (Array.isArray(body[f.api]) && Array.isArray(current?.entities)) {
    const merged = mergeEntities(
      canon(f, inputs.entities) as Record<string, unknown>[],
      canon(f, current.entities) as Record<string, unknown>[],
    );
    body[f.api] = merged.map((e) => snakeKeys(e));
  }
  try {
    return await api.updateVersion(ref.profileId, ref.version, body, mask);
  } catch (e) {
    if (VezaApiError.isInstance(e) && (e.status === 400 || e.status === 404)) {
      throw new VezaResourceError(
        "VEZA_VERSION_REJECTED",
        `AccessProfileVersion ${versionId(ref)}: Veza rejected the version (${e.serverMessage})`,
        e,
      );
    }
    throw e;
  }
}

/** Writes `sent` and returns the outputs, completed where the response is partial; learns open-enum codes from the answer. */
async function writeOutputs(
  api: VezaApi,
  ref: VersionRef,
  inputs: VersionInputs,
  sent: string[],
  previous: AccessProfileVersionOutputs = {},
): Promise<AccessProfileVersionOutputs> {
  const v = await write(api, ref, inputs, sent, previous);
  const outs = outputs(ref, v, { inputs, sent, previous });
  if (Array.isArray(outs.entities) && sent.includes(ENTITIES)) {
    const codes = learnEnumCodes(canon(entitiesField(), inputs.entities) as Record<string, unknown>[], outs.entities, previous.enumCodes);
    if (Object.keys(codes).length) outs.enumCodes = codes;
  }
  return outs;
}

/** The fields the program sets (only those are managed). */
const declared = (inputs: VersionInputs) => {
  const given = inputs as Record<string, unknown>;
  return accessProfileVersion.fields.filter((f) => given[f.input] !== undefined && given[f.input] !== null).map((f) => f.input);
};

/**
 * The version as Veza has it, for a create: free when this process created or listed the profile
 * (and `ref` is its current version); else from the documented list; else by the assumed GET of a
 * version. Undefined when no route can read it.
 */
async function currentContent(api: VezaApi, ref: VersionRef): Promise<ApiVersion | undefined> {
  const known = api.knownVersion(ref.profileId, ref.version);
  if (known) return known;
  const listed = await listedVersion(api, ref);
  if (!listed.profile) throw profileNotListed(ref.profileId);
  if (listed.version) return listed.version;
  const got = await api.getVersion(ref.profileId, ref.version);
  return got === ROUTE_MISSING ? undefined : got;
}

// ---- resource ----
/** What `AccessProfileVersion.get` may start from: any of its outputs, as Inputs (Veza's answer wins). */
export type AccessProfileVersionState = ResourceState<AccessProfileVersion>;

/**
 * The content (entities, inheritance) of one version of a Veza access profile.
 *
 * @remarks
 * The version always exists already: creating this resource takes it over and writes only the
 * inputs the program sets (with `adoptExisting`, only those that differ). Destroying it clears the
 * version's entities and inheritance; the profile stays. Leave `versionNumber` out to manage the
 * profile's current version, looked up once at create.
 *
 * @example
 * ```ts
 * import * as veza from "pulumi-veza";
 *
 * const profileType = new veza.AccessProfileType("profile", { name: "Profile", allowCreateRelationships: true });
 * const sfSales = new veza.AccessProfile("sf-sales", { name: "Salesforce Sales User", profileType: profileType.id });
 *
 * // What the profile's current version grants.
 * new veza.AccessProfileVersion("sf-sales-v", {
 *   accessProfileId: sfSales.id,
 *   entities: [{ entityType: "SalesforceGroup", datasourceId: "salesforce-prod", entityId: "00G5e000001SALES" }],
 * });
 * ```
 */
export class AccessProfileVersion extends VezaResource {
  /** Id of the AccessProfile. */
  declare public readonly accessProfileId: pulumi.Output<string>;
  /** Number of the version this resource manages (the profile's current version at create when the input is unset). */
  declare public readonly versionNumber: pulumi.Output<number>;
  /** Entities the version relates its members to, as Veza reports them. */
  declare public readonly entities: pulumi.Output<EntityOutput[]>;
  /** Ids of the AccessProfiles the version inherits entities from. */
  declare public readonly inheritFrom: pulumi.Output<string[]>;
  /** State of the version, as Veza reports it. */
  declare public readonly state: pulumi.Output<VersionStateName | undefined>;
  /** Access request policy of this version. */
  declare public readonly accessRequestPolicyId: pulumi.Output<string | undefined>;
  /** Datasource for the assign-application use case. */
  declare public readonly applicationDatasourceId: pulumi.Output<string | undefined>;
  /** Identity action for the application datasource. */
  declare public readonly applicationSyncIdentityAction: pulumi.Output<SyncIdentityAction | undefined>;
  /** Whether create was told to read the version first and write only what differs (the input as given). */
  declare public readonly adoptExisting: pulumi.Output<boolean>;
  /** Identity ids holding this version (read-only). */
  declare public readonly members: pulumi.Output<string[]>;
  /** When the version was published (read-only). */
  declare public readonly publishedAt: pulumi.Output<string | undefined>;
  /** When Veza last changed the version (read-only). */
  declare public readonly updatedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: AccessProfileVersionArgs, opts?: pulumi.CustomResourceOptions) {
    super(accessProfileVersion, name, args, opts);
  }
}
