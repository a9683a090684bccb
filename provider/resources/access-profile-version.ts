/**
 * AccessProfileVersion: what a version of a profile grants (entities, inheritance). It writes onto
 * an existing version; deleting it clears the version's entities and inheritance (the profile stays).
 * Sections: inputs, schema, field mapping, diff, CRUD, resource class.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { VERSION_STATES, type ApiVersion } from "../client/normalize";
import { ROUTE_MISSING } from "../client/api";
import { VezaApiError } from "../client/errors";
import { getApi, warn } from "./shared/context";
import {
  apiBody,
  canon,
  completeFromWrite,
  defined,
  diffFields,
  keepUncarried,
  learnEnumCodes,
  mergeEntities,
  outputsFrom,
  propsWithOutputs,
  snakeKeys,
  withEnumCodes,
  type EnumCodes,
  type Field,
} from "./shared/fields";
import { diffResult, goneResult, type ResourceImpl } from "./shared/impl";
import { unk, uBool, uEnum, uInt, uList, uNonEmpty, uString, uStringList, uStringMap, validate } from "./shared/schema";
import { PLACEHOLDER_PROVIDER, withShell } from "./shared/shell";
import {
  clearVersionContent,
  listedVersion,
  parseVersionId,
  resolveVersion,
  unlessGone,
  versionId,
  versionReplaces,
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
  assignedToEntityType?: pulumi.Input<string>;
  assignedToEntityId?: pulumi.Input<string>;
  /** How the grant is applied (PolicyRules.GrantBy, name or number). */
  grantBy?: pulumi.Input<string | number>;
  /** Grant only to identities matching the condition. */
  condition?: pulumi.Input<{ type: pulumi.Input<string | number>; conditionString: pulumi.Input<string> }>;
  /** Action used to create an identity for this entity. */
  syncIdentityAction?: pulumi.Input<{ policyId: pulumi.Input<string>; name: pulumi.Input<string> }>;
  customProperties?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Whether the profile created this entity (documented; unset: Veza's value is kept on every rewrite). */
  createdByAccessProfile?: pulumi.Input<boolean>;
}

export type VersionStateName = (typeof VERSION_STATES)[number];

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

// ---- schema ----
const syncAction = unk(z.looseObject({ policyId: uNonEmpty(), name: uNonEmpty() }, { error: "must be an object { policyId, name }" }));
const entity = z.looseObject(
  {
    entityType: uNonEmpty("a non-empty entity type, e.g. SalesforceGroup"),
    datasourceId: uNonEmpty("a non-empty datasource id"),
    entityId: uNonEmpty("a non-empty entity id"),
    assignedToEntityType: uString().optional(),
    assignedToEntityId: uString().optional(),
    grantBy: unk(z.union([z.string(), z.number()], { error: "must be a GrantBy name or number" })).optional(),
    condition: unk(z.looseObject({ type: unk(z.union([z.string(), z.number()])), conditionString: uNonEmpty() }, { error: "must be an object { type, conditionString }" })).optional(),
    syncIdentityAction: syncAction.optional(),
    customProperties: uStringMap().optional(),
    createdByAccessProfile: uBool().optional(),
  },
  { error: "must be an entity object { entityType, datasourceId, entityId, ... }" },
);
const schema = z.looseObject({
  accessProfileId: uNonEmpty("the id of an AccessProfile"),
  versionNumber: uInt(1).optional(),
  entities: uList(entity, "a list of entities").optional(),
  inheritFrom: uStringList().optional(),
  state: uEnum(["DRAFT", "PUBLISHED"]).optional(),
  accessRequestPolicyId: uString().optional(),
  applicationDatasourceId: uString().optional(),
  applicationSyncIdentityAction: syncAction.optional(),
  adoptExisting: uBool().optional(),
});

// ---- mapping ----
export const VERSION_FIELDS: readonly Field[] = [
  { input: "entities", api: "entities_to_create_relationships_to", kind: "entities" },
  { input: "inheritFrom", api: "inherit_entities_from_access_profiles", kind: "set" },
  { input: "state", api: "state", kind: "enum", enumNames: VERSION_STATES },
  { input: "accessRequestPolicyId", api: "access_request_policy_id", kind: "string" },
  { input: "applicationDatasourceId", api: "application_datasource_id", kind: "string" },
  { input: "applicationSyncIdentityAction", api: "application_sync_identity_action", kind: "object" },
];


/** Read-only outputs, for keeping their last value when a response or list item leaves them out. */
const VERSION_READ_ONLY: readonly Field[] = [
  { input: "members", api: "members", kind: "set" },
  { input: "publishedAt", api: "published_at", kind: "string" },
  { input: "updatedAt", api: "updated_at", kind: "string" },
];
const ENTITIES = VERSION_FIELDS[0]!;

/**
 * Outputs from a version object. `previous` (the last outputs) fills what the object does not
 * carry: whole fields a list item leaves out, and the fields of an entity the list shows only by
 * its identity (the guide's list example has entity_type, datasource_id and entity_id only).
 */
function outputs(ref: VersionRef, v: ApiVersion, inputs: Record<string, unknown>, previous?: Record<string, unknown>): Record<string, unknown> {
  const outs: Record<string, unknown> = defined({
    accessProfileId: ref.profileId,
    versionNumber: ref.version,
    ...outputsFrom(VERSION_FIELDS, v),
    adoptExisting: inputs.adoptExisting === true,
    members: v.members ? [...v.members].sort() : undefined,
    publishedAt: v.published_at,
    updatedAt: v.updated_at,
    enumCodes: previous?.enumCodes as EnumCodes | undefined,
  });
  if (previous && Array.isArray(outs.entities) && Array.isArray(previous.entities)) {
    outs.entities = canon(ENTITIES, mergeEntities(outs.entities as Record<string, unknown>[], canon(ENTITIES, previous.entities) as Record<string, unknown>[]));
  }
  return keepUncarried(VERSION_READ_ONLY, keepUncarried(VERSION_FIELDS, outs, v, previous), v, previous);
}

/**
 * PATCHes the fields in `sent` (the program's declared ones, or those that changed). Entities are
 * sent completed with what Veza has and the program does not set (`current`: the version as last
 * seen), so a rewrite never drops e.g. `created_by_access_profile`.
 */
async function write(ref: VersionRef, inputs: Record<string, unknown>, sent: string[], current: Record<string, unknown> | undefined): Promise<ApiVersion> {
  const { body, mask } = apiBody(VERSION_FIELDS, inputs, sent);
  if (Array.isArray(body[ENTITIES.api]) && Array.isArray(current?.entities)) {
    const merged = mergeEntities(canon(ENTITIES, inputs.entities) as Record<string, unknown>[], canon(ENTITIES, current.entities) as Record<string, unknown>[]);
    body[ENTITIES.api] = merged.map((e) => snakeKeys(e));
  }
  try {
    return await getApi().updateVersion(ref.profileId, ref.version, body, mask);
  } catch (e) {
    if (e instanceof VezaApiError && (e.status === 400 || e.status === 404)) {
      throw new Error(`AccessProfileVersion ${versionId(ref)}: Veza rejected the version (${e.serverMessage})`, { cause: e });
    }
    throw e;
  }
}

/** Writes `sent` and returns the outputs, completed where the response is partial. */
async function writeOutputs(ref: VersionRef, inputs: Record<string, unknown>, sent: string[], previous: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const v = await write(ref, inputs, sent, previous);
  const outs = completeFromWrite(VERSION_FIELDS, outputs(ref, v, inputs), v, inputs, sent, previous);
  if (Array.isArray(outs.entities) && sent.includes(ENTITIES.input)) {
    const codes = learnEnumCodes(canon(ENTITIES, inputs.entities) as Record<string, unknown>[], outs.entities as Record<string, unknown>[], previous.enumCodes as EnumCodes | undefined);
    if (Object.keys(codes).length) outs.enumCodes = codes;
  }
  // members and timestamps are read-only: keep the previous ones when the response has none
  return keepUncarried(VERSION_READ_ONLY, outs, v, previous);
}

/** The fields the program sets (only those are managed). */
const declared = (inputs: Record<string, unknown>) => VERSION_FIELDS.filter((f) => inputs[f.input] !== undefined && inputs[f.input] !== null).map((f) => f.input);

/**
 * The version as Veza has it, for a create: free when this process created or listed the profile
 * (and `ref` is its current version); else from the documented list; else by the assumed GET of a
 * version. Undefined when no route can read it.
 */
async function currentContent(ref: VersionRef): Promise<ApiVersion | undefined> {
  const api = getApi();
  const known = api.knownVersion(ref.profileId, ref.version);
  if (known) return known;
  const listed = await listedVersion(ref);
  if (!listed.profile) throw new Error(`AccessProfile ${ref.profileId} does not exist in Veza (it is not in the list of access profiles)`);
  if (listed.version) return listed.version;
  const got = await api.getVersion(ref.profileId, ref.version);
  return got === ROUTE_MISSING ? undefined : got;
}

/** The diff, with grantBy / condition.type names and numbers equal where their codes were learned. */
function changedFields(olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  const codes = olds.enumCodes;
  const encoded = (x: Record<string, unknown>) => (x.entities === undefined ? x : { ...x, entities: withEnumCodes(x.entities, codes) });
  return diffFields(VERSION_FIELDS, encoded(olds), encoded(news)).changed;
}

// ---- CRUD ----
export const impl: ResourceImpl = {
  async check(_olds, news) {
    return { inputs: news, failures: validate(schema, news, `AccessProfileVersion of profile ${news?.accessProfileId ?? "?"}`) };
  },

  async diff(_id, olds, news) {
    return diffResult(changedFields(olds, news), versionReplaces(olds, news));
  },

  async create(inputs) {
    // The version always exists already: "create" takes it over and writes only what the program
    // declares (with adoptExisting, only what differs), never clearing what it does not mention.
    const ref = await resolveVersion(inputs.accessProfileId, inputs.versionNumber);
    const id = versionId(ref);
    const fields = declared(inputs);
    const mustRead = inputs.adoptExisting === true || fields.includes(ENTITIES.input);
    const seen = mustRead ? await currentContent(ref) : getApi().knownVersion(ref.profileId, ref.version);
    if (inputs.adoptExisting === true && !seen) throw new Error(`AccessProfileVersion ${id}: no route of this Veza tenant can read this version to adopt it`);
    const current = seen ? outputs(ref, seen, inputs) : undefined;
    const send = inputs.adoptExisting === true ? diffFields(VERSION_FIELDS, current!, inputs).changed : fields;
    if (send.length === 0) return { id, outs: current ?? outputs(ref, {} as ApiVersion, inputs) };
    return { id, outs: await writeOutputs(ref, inputs, send, current) };
  },

  async read(id, props) {
    const ref = parseVersionId(id);
    // the current version comes with its profile's list item (one walk for every read of a refresh)
    const listed = await listedVersion(ref);
    if (!listed.profile) return goneResult("AccessProfile", ref.profileId, props);
    if (listed.version) return { id, props: outputs(ref, listed.version, props ?? {}, props) };
    const got = await getApi().getVersion(ref.profileId, ref.version);
    if (got !== ROUTE_MISSING) return { id, props: outputs(ref, got, props ?? {}, props) };
    // No documented route reads a version that is not the current one: keep what we knew, and say so.
    warn(
      `AccessProfileVersion ${id}: version ${ref.version} is not the profile's current version (${listed.profile.current_version_number ?? "?"}) ` +
        `and this Veza tenant has no route to read other versions; its last known state is kept.`,
    );
    return { id, props: props ?? {} };
  },

  async update(id, olds, news) {
    const ref = parseVersionId(id);
    const changed = changedFields(olds, news);
    if (changed.length === 0) return { outs: { ...olds, adoptExisting: news.adoptExisting === true } };
    return { outs: await writeOutputs(ref, news, changed, olds) };
  },

  async delete(id) {
    const ref = parseVersionId(id);
    // a 404 from this documented route means the profile (and so the version) is gone: nothing left to clear
    await unlessGone(() => clearVersionContent(getApi(), ref.profileId, ref.version));
  },
};

// ---- resource ----
/**
 * The outputs the class declares (each gets an Output on the resource object). Only these are
 * registered as output properties: every registered property costs the Pulumi runtime work per
 * resource; the state still holds all outputs.
 */
const VERSION_OUTPUTS = ["accessProfileId", "versionNumber", "entities", "inheritFrom", "state", "members", "publishedAt", "updatedAt"];

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
export class AccessProfileVersion extends pulumi.dynamic.Resource {
  /** Id of the AccessProfile. */
  declare public readonly accessProfileId: pulumi.Output<string>;
  /** Number of the version this resource manages (the profile's current version at create when the input is unset). */
  declare public readonly versionNumber: pulumi.Output<number>;
  /** Entities the version relates its members to, as Veza reports them. */
  declare public readonly entities: pulumi.Output<Entity[]>;
  /** Ids of the AccessProfiles the version inherits entities from. */
  declare public readonly inheritFrom: pulumi.Output<string[]>;
  /** State of the version, as Veza reports it. */
  declare public readonly state: pulumi.Output<VersionStateName | undefined>;
  /** Identity ids holding this version (read-only). */
  declare public readonly members: pulumi.Output<string[]>;
  /** When the version was published (read-only). */
  declare public readonly publishedAt: pulumi.Output<string | undefined>;
  /** When Veza last changed the version (read-only). */
  declare public readonly updatedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: AccessProfileVersionArgs, opts?: pulumi.CustomResourceOptions) {
    super(PLACEHOLDER_PROVIDER, name, withShell(propsWithOutputs(args, VERSION_OUTPUTS), "AccessProfileVersion"), opts, "veza", "AccessProfileVersion");
  }

  /**
   * The existing access profile version (id `<profileId>/versions/<n>`) with this Veza id, read-only in this stack (its outputs come from Veza;
   * nothing is written or deleted). Fails when Veza has no such object.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): AccessProfileVersion {
    return new AccessProfileVersion(name, {} as AccessProfileVersionArgs, { ...opts, id });
  }
}
