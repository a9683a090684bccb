/**
 * AccessProfileVersion: what a version of a profile grants (entities, inheritance). It writes onto
 * an existing version; deleting it clears the version's entities and inheritance (the profile stays).
 * Sections: inputs, schema, field mapping, diff, CRUD, resource class.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { presentFields, VERSION_STATES, type ApiVersion } from "../client/normalize";
import { VezaApiError } from "../client/errors";
import { getApi } from "./shared/context";
import { apiBody, completeFromWrite, defined, diffFields, outputsFrom, propsWithOutputs, type Field } from "./shared/fields";
import { diffResult, type ResourceImpl } from "./shared/impl";
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
}

export type VersionStateName = (typeof VERSION_STATES)[number];

export interface AccessProfileVersionArgs {
  /** Id of the AccessProfile (a dependency). Changing it replaces this resource. */
  accessProfileId: pulumi.Input<string>;
  /** Version to manage. Default: the profile's current version, looked up once at create. Changing it replaces. */
  versionNumber?: pulumi.Input<number>;
  /** Entities to relate to; order does not matter. Removing all clears them. */
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
   * already matches). Default false: create writes every managed field in one PATCH without reading.
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
  { input: "state", api: "state", kind: "enum", enumNames: VERSION_STATES, resetWhenAbsent: false },
  { input: "accessRequestPolicyId", api: "access_request_policy_id", kind: "string" },
  { input: "applicationDatasourceId", api: "application_datasource_id", kind: "string" },
  { input: "applicationSyncIdentityAction", api: "application_sync_identity_action", kind: "object" },
];


function outputs(ref: VersionRef, v: ApiVersion, inputs: Record<string, unknown>): Record<string, unknown> {
  return defined({
    accessProfileId: ref.profileId,
    versionNumber: ref.version,
    ...outputsFrom(VERSION_FIELDS, v),
    adoptExisting: inputs.adoptExisting === true,
    members: [...(v.members ?? [])].sort(),
    publishedAt: v.published_at,
    updatedAt: v.updated_at,
  });
}

async function write(ref: VersionRef, inputs: Record<string, unknown>, only?: string[]): Promise<ApiVersion> {
  const { body, mask } = apiBody(VERSION_FIELDS, inputs, only);
  try {
    return await getApi().updateVersion(ref.profileId, ref.version, body, mask);
  } catch (e) {
    if (e instanceof VezaApiError && (e.status === 400 || e.status === 404)) {
      throw new Error(`AccessProfileVersion ${versionId(ref)}: Veza rejected the version (${e.serverMessage})`);
    }
    throw e;
  }
}

/** Writes `sent` fields ("all": every managed one) and returns the outputs, completed where the response is partial. */
async function writeOutputs(ref: VersionRef, inputs: Record<string, unknown>, sent: string[] | "all", previous: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const v = await write(ref, inputs, sent === "all" ? undefined : sent);
  const outs = completeFromWrite(VERSION_FIELDS, outputs(ref, v, inputs), v, inputs, sent, previous);
  // members and timestamps are read-only: keep the previous ones when the response has none
  if (!presentFields(v)?.has("members") && Array.isArray(previous.members)) outs.members = previous.members;
  return outs;
}

// ---- CRUD ----
export const impl: ResourceImpl = {
  async check(_olds, news) {
    return { inputs: news, failures: validate(schema, news, `AccessProfileVersion of profile ${news?.accessProfileId ?? "?"}`) };
  },

  async diff(_id, olds, news) {
    return diffResult(diffFields(VERSION_FIELDS, olds, news).changed, versionReplaces(olds, news));
  },

  async create(inputs) {
    const ref = await resolveVersion(inputs.accessProfileId, inputs.versionNumber);
    if (inputs.adoptExisting === true) {
      const found = await unlessGone(() => getApi().getProfile(ref.profileId, ref.version));
      if (!found?.version) throw new Error(`AccessProfileVersion ${versionId(ref)}: no such version in Veza to adopt`);
      const current = outputs(ref, found.version, inputs);
      const { changed } = diffFields(VERSION_FIELDS, current, inputs);
      if (changed.length === 0) return { id: versionId(ref), outs: current };
      return { id: versionId(ref), outs: await writeOutputs(ref, inputs, changed, current) };
    }
    return { id: versionId(ref), outs: await writeOutputs(ref, inputs, "all") };
  },

  async read(id, props) {
    const ref = parseVersionId(id);
    // the current version comes with its profile, which a refresh reads in batches
    const listed = await listedVersion(ref);
    if (!listed.profile) return { id: "", props: {} };
    if (listed.version) return { id, props: outputs(ref, listed.version, props ?? {}) };
    const found = await unlessGone(() => getApi().getProfile(ref.profileId, ref.version));
    if (!found?.version) return { id: "", props: {} };
    return { id, props: outputs(ref, found.version, props ?? {}) };
  },

  async update(id, olds, news) {
    const ref = parseVersionId(id);
    const { changed } = diffFields(VERSION_FIELDS, olds, news);
    if (changed.length === 0) return { outs: { ...olds, adoptExisting: news.adoptExisting === true } };
    return { outs: await writeOutputs(ref, news, changed, olds) };
  },

  async delete(id) {
    const ref = parseVersionId(id);
    // a 404 means the profile (and so the version) is already gone: nothing left to clear
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

/** The content (entities, inheritance) of one version of a Veza access profile. */
export class AccessProfileVersion extends pulumi.dynamic.Resource {
  declare public readonly accessProfileId: pulumi.Output<string>;
  declare public readonly versionNumber: pulumi.Output<number>;
  declare public readonly entities: pulumi.Output<Entity[]>;
  declare public readonly inheritFrom: pulumi.Output<string[]>;
  declare public readonly state: pulumi.Output<VersionStateName | undefined>;
  /** Identity ids holding this version (read-only). */
  declare public readonly members: pulumi.Output<string[]>;
  declare public readonly publishedAt: pulumi.Output<string | undefined>;
  declare public readonly updatedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: AccessProfileVersionArgs, opts?: pulumi.CustomResourceOptions) {
    super(PLACEHOLDER_PROVIDER, name, withShell(propsWithOutputs(args, VERSION_OUTPUTS), "AccessProfileVersion"), opts, "veza", "AccessProfileVersion");
  }
}
