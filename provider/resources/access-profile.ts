/**
 * AccessProfile: the profile itself (metadata and lifecycle state). What a version grants is
 * managed by AccessProfileVersion. Sections: inputs, declaration (validation, API fields, diff, calls), resource class.
 */
import type * as pulumi from "@pulumi/pulumi";
import { PROFILE_STATES, type ApiProfile, type ProfileStateName } from "../client/api-objects";
import type { ProviderContext } from "./shared/context";
import { namedOperations, type NamedObjectOps } from "./shared/crud";
import { ADOPT_EXISTING_INPUT, TIMESTAMP_OUTPUTS, declareResource, type DeclaredResource, type OutputsOf } from "./shared/declare";
import { VezaResourceError } from "../errors";
import { VezaResource, type ResourceState } from "./shared/resource-class";
import { clearVersionContent } from "./shared/version-ref";

// ---- inputs ----
/** How a profile appears in the access request catalog. */
export interface CatalogItemInfo {
  /** Title of the catalog item. */
  name?: string;
  /** Plain-text description shown in the catalog. */
  description?: string;
  /** Description in Markdown. */
  markdownDescription?: string;
  /** Icon of the catalog item (text, as Veza takes it). */
  icon?: string;
  /** Show the item as recommended. */
  recommended?: boolean;
}

export interface AccessProfileArgs {
  /** Name of the profile, unique in the tenant. Defaults to the resource's logical name. */
  name?: pulumi.Input<string>;
  /** Id of the profile's AccessProfileType (a dependency). Changing it replaces the profile. */
  profileType: pulumi.Input<string>;
  /** What the profile grants and who it is for. */
  description?: pulumi.Input<string>;
  /** Free-form labels, e.g. "requestable". Order does not matter. */
  labels?: pulumi.Input<pulumi.Input<string>[]>;
  /** Datasource ids the profile applies to. Order does not matter. */
  datasourceIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Members need approval before the profile starts for them. */
  requireApprovalToStart?: pulumi.Input<boolean>;
  /** How the profile appears in the access request catalog. */
  catalogItemInfo?: pulumi.Input<CatalogItemInfo>;
  /** Custom properties (string values). */
  customProperties?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Access request policy for this profile. */
  accessRequestPolicyId?: pulumi.Input<string>;
  /** Lifecycle state. Unset: the type's on-create behaviour decides, and it is not managed. */
  state?: pulumi.Input<ProfileStateName>;
  /** On create, take over an existing profile of the same name instead of failing with 409 (default false). */
  adoptExisting?: pulumi.Input<boolean>;
}

/** The outputs as the state holds them: every input, and what Veza computes. */
export type AccessProfileOutputs = OutputsOf<
  AccessProfileArgs,
  {
    currentVersionNumber: number;
    draftVersionNumber: number;
    integrations: string[];
    providerIds: string[];
    createdAt: string;
    updatedAt: string;
  }
>;

/** The outputs the class registers (its `declare` members below; checked at compile time). */
const PROFILE_OUTPUTS = [
  "name",
  "profileType",
  "description",
  "labels",
  "datasourceIds",
  "requireApprovalToStart",
  "catalogItemInfo",
  "customProperties",
  "accessRequestPolicyId",
  "state",
  "adoptExisting",
  "currentVersionNumber",
  "draftVersionNumber",
  "integrations",
  "providerIds",
  "createdAt",
  "updatedAt",
] as const;

// ---- declaration ----
/** The one declaration of the resource: inputs (validation, API field, diff), read-only outputs, registered outputs, calls. */
export const accessProfile: DeclaredResource<AccessProfileArgs, AccessProfileOutputs, (typeof PROFILE_OUTPUTS)[number]> = declareResource({
  kind: "AccessProfile",
  what: "access profile",
  nameInput: "name",
  label: (inputs) => `AccessProfile "${inputs.name ?? ""}"`,
  inputs: {
    name: { api: "name", kind: "string", required: true },
    profileType: { api: "profile_type", kind: "string", required: true, what: "the id of an AccessProfileType", replaces: true },
    description: { api: "description", kind: "string" },
    labels: { api: "labels", kind: "set" },
    datasourceIds: { api: "datasource_ids", kind: "set" },
    requireApprovalToStart: { api: "require_approval_to_start", kind: "bool" },
    catalogItemInfo: { api: "catalog_item_info", kind: "object" },
    customProperties: { api: "custom_properties", kind: "map" },
    accessRequestPolicyId: { api: "access_request_policy_id", kind: "string" },
    state: { api: "state", kind: "enum", enumNames: PROFILE_STATES },
    ...ADOPT_EXISTING_INPUT,
  },
  readOnly: {
    draftVersionNumber: { api: "draft_version_number", kind: "int" },
    integrations: { api: "integrations", kind: "set" },
    providerIds: { api: "provider_ids", kind: "set" },
    ...TIMESTAMP_OUTPUTS,
  },
  outputs: PROFILE_OUTPUTS,
  // the name is unique, so the old profile must go before its replacement is created
  deleteBeforeReplace: true,
  operations: {
    ...namedOperations(ops),

    async delete(ctx, id, props) {
      const outcome = await ctx.api.deleteProfile(id);
      if (outcome === "unsupported") await retire(ctx, id, props ?? {});
    },
  },
});

function ops(ctx: ProviderContext): NamedObjectOps<ApiProfile, AccessProfileArgs, AccessProfileOutputs> {
  return {
    resource: accessProfile,
    idOf: (p) => p.id,
    // the current version's number is an output of its own (versions and memberships are wired from it)
    computed: (p) => ({ currentVersionNumber: p.current_version_number ?? p.current_version?.version_number }),
    findByName: (name) => ctx.api.findProfileByName(name),
    find: (id) => ctx.api.findProfile(id),
    conflictHint: (name) => {
      const id = ctx.api.retiredProfiles.get(name);
      return id
        ? `This run retired the profile ${id} of that name instead of deleting it (this Veza tenant has no route to delete access profiles), so the name is still taken.`
        : undefined;
    },
    create: async (body) => (await ctx.api.createProfile(body)).profile,
    update: (id, body, mask) => ctx.api.updateProfile(id, body, mask),
  };
}

/**
 * The tenant cannot delete the profile and the documented list still has it: retire it instead
 * (paused, its current version emptied) and say so. Either step failing is a warning naming what is
 * left in Veza, never a failed destroy (the contract's fallback), and never reported as deleted.
 */
async function retire(ctx: ProviderContext, id: string, props: AccessProfileOutputs): Promise<void> {
  const api = ctx.api;
  const name = props.name ?? id;
  // As the server refuses to delete a profile others inherit from, retiring one would empty what they inherit: refuse too.
  const inheritors = (await api.findProfile(id))?.access_profiles_inherited_by ?? [];
  if (inheritors.length) {
    const names = await Promise.all(inheritors.map(async (x) => `"${(await api.findProfile(x))?.name ?? x}"`));
    throw new VezaResourceError(
      "VEZA_PROFILE_INHERITED",
      `AccessProfile "${name}" is inherited by ${names.join(", ")}: this Veza tenant cannot delete access profiles, and retiring it would empty what they inherit. Remove the inheritance first (inheritFrom of the inheritor's version), run \`pulumi up\`, then retry.`,
    );
  }
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      problems.push(`${what}: ${(e as Error)?.message ?? String(e)}`);
    }
  };
  let version = Number(props.currentVersionNumber) || undefined;
  await attempt("reading its current version", async () => {
    version = (await api.currentVersionNumber(id)) ?? version;
  });
  await attempt("pausing it", () => api.updateProfile(id, { state: "PAUSED" }, ["state"]));
  if (typeof props.name === "string") api.retiredProfiles.set(props.name, id);
  if (version) await attempt(`emptying version ${version}`, () => clearVersionContent(api, id, version!));
  else problems.push("its current version is unknown, so its entities and inheritance were left as they are");
  ctx.warn(
    `AccessProfile "${name}" (${id}) was NOT deleted: this Veza tenant has no route to delete access profiles. It was retired instead ` +
      `(state PAUSED, version ${version ?? "?"} emptied of entities and inheritance; members keep their membership records) and dropped from the stack.` +
      (problems.length ? ` Not everything worked, check it in Veza: ${problems.join("; ")}` : ""),
  );
}

// ---- resource ----
/** What `AccessProfile.get` may start from: any of its outputs, as Inputs (Veza's answer wins). */
export type AccessProfileState = ResourceState<AccessProfile>;

/**
 * A Veza access profile (metadata and state). Its grants live in an AccessProfileVersion.
 *
 * @remarks
 * Changing `profileType` replaces the profile: the name is unique, so the old profile is deleted
 * before the new one is created. A profile that others inherit from cannot be replaced until the
 * inheritance is removed. A tenant without the route to delete a profile retires it on destroy
 * (state `PAUSED`, current version emptied of entities and inheritance) and says it was not deleted.
 *
 * @example
 * ```ts
 * import * as veza from "pulumi-veza";
 *
 * const profileType = new veza.AccessProfileType("profile", { name: "Profile", allowCreateRelationships: true });
 * const sfSales = new veza.AccessProfile("sf-sales", {
 *   name: "Salesforce Sales User",
 *   profileType: profileType.id,
 *   labels: ["requestable"],
 * });
 * ```
 */
export class AccessProfile extends VezaResource {
  /** Name of the profile in Veza. */
  declare public readonly name: pulumi.Output<string>;
  /** Id of the profile's AccessProfileType. */
  declare public readonly profileType: pulumi.Output<string>;
  /** What the profile grants and who it is for. */
  declare public readonly description: pulumi.Output<string | undefined>;
  /** Free-form labels. */
  declare public readonly labels: pulumi.Output<string[]>;
  /** Datasource ids the profile applies to. */
  declare public readonly datasourceIds: pulumi.Output<string[]>;
  /** Whether members need approval before the profile starts for them. */
  declare public readonly requireApprovalToStart: pulumi.Output<boolean>;
  /** How the profile appears in the access request catalog. */
  declare public readonly catalogItemInfo: pulumi.Output<CatalogItemInfo | undefined>;
  /** Custom properties (string values). */
  declare public readonly customProperties: pulumi.Output<Record<string, string> | undefined>;
  /** Access request policy of the profile. */
  declare public readonly accessRequestPolicyId: pulumi.Output<string | undefined>;
  /** Lifecycle state, as Veza reports it. */
  declare public readonly state: pulumi.Output<ProfileStateName | undefined>;
  /** Whether create was told to take over an existing profile of the same name (the input as given). */
  declare public readonly adoptExisting: pulumi.Output<boolean>;
  /** The published version's number. */
  declare public readonly currentVersionNumber: pulumi.Output<number>;
  /** The draft version's number (0 when there is none). */
  declare public readonly draftVersionNumber: pulumi.Output<number>;
  /** Integrations Veza lists for the profile (read-only; computed by Veza, so a refresh after an `up` may report a new value). */
  declare public readonly integrations: pulumi.Output<string[]>;
  /** Provider ids Veza lists for the profile (read-only; computed by Veza). */
  declare public readonly providerIds: pulumi.Output<string[]>;
  /** When Veza created the profile (read-only). */
  declare public readonly createdAt: pulumi.Output<string>;
  /** When Veza last changed the profile (read-only). */
  declare public readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: AccessProfileArgs, opts?: pulumi.CustomResourceOptions) {
    super(accessProfile, name, args, opts);
  }
}
