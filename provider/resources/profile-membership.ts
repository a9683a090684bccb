/**
 * ProfileMembership: identities that hold a version of a profile. Non-exclusive (default): only the
 * listed identities are managed. Exclusive: the list is the whole membership; others are drift.
 * Sections: inputs, declaration (validation, diff, calls), resource class.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ROUTE_MISSING, ROUTE_MISSING_STATUSES, type RouteMissing, type VezaApi } from "../client/api";
import { ADOPT_EXISTING_INPUT, declareResource, type DeclaredResource, type OutputsOf } from "./shared/declare";
import { ResourceInitError, VezaApiError, VezaResourceError } from "../errors";
import { canon, type Field } from "./shared/fields";
import { goneResult, isLookup, lastKnown } from "./shared/impl";
import { providerOptions } from "./shared/options";
import { VezaResource, type ResourceState } from "./shared/resource-class";
import { listedVersion, parseVersionId, resolveVersion, versionId, VERSION_SCOPE_INPUTS, type VersionRef } from "./shared/version-ref";

// ---- inputs ----
export interface ProfileMembershipArgs {
  /** Id of the AccessProfile (a dependency). Changing it replaces this resource. */
  accessProfileId: pulumi.Input<string>;
  /** Version whose membership is managed. Default: the profile's current version, looked up at create. */
  versionNumber?: pulumi.Input<number>;
  /** Identity ids this resource grants the profile to; order does not matter. */
  identityIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * false (default): only the listed identities are managed, others are left alone.
   * true: the list is the whole membership; refresh reports others as drift and the next update removes them.
   */
  exclusive?: pulumi.Input<boolean>;
  /**
   * On create, list the current members first and add only the missing identities (no request when
   * all are members already). Default false: create sends one ADD without reading.
   */
  adoptExisting?: pulumi.Input<boolean>;
}

/** The outputs as the state holds them: every input, and the identities this resource granted itself. */
export type ProfileMembershipOutputs = OutputsOf<ProfileMembershipArgs, { managedIdentityIds: string[] }>;

/** The outputs the class registers (its `declare` members below; checked at compile time). */
const MEMBERSHIP_OUTPUTS = ["accessProfileId", "versionNumber", "identityIds", "managedIdentityIds", "exclusive", "adoptExisting"] as const;

// ---- declaration ----
/** The one declaration of the resource: inputs (validation, diff), registered outputs, calls. */
export const profileMembership: DeclaredResource<ProfileMembershipArgs, ProfileMembershipOutputs, (typeof MEMBERSHIP_OUTPUTS)[number]> =
  declareResource({
    kind: "ProfileMembership",
    what: "profile membership",
    idForm: "<profileId>/versions/<n>/members",
    label: (inputs) => `ProfileMembership of profile ${inputs.accessProfileId ?? "?"}`,
    inputs: {
      ...VERSION_SCOPE_INPUTS,
      // sent as the body of the members call, not as a field of an object: compared only
      identityIds: { kind: "set", required: true, compared: true },
      // unset means false: turning it off by removing it is a change
      exclusive: { kind: "bool", compared: true, managedWhenAbsent: true },
      ...ADOPT_EXISTING_INPUT,
    },
    outputs: MEMBERSHIP_OUTPUTS,
    // the identities this resource granted are identityIds' values: secret when identityIds is
    carriedBy: { identityIds: ["managedIdentityIds"] },
    operations: {
      async create(ctx, inputs) {
        // the import option names the version; otherwise the given number or the profile's current one
        const { adoptId } = providerOptions(inputs);
        const ref =
          adoptId !== undefined ? parseVersionId(adoptId) : await resolveVersion(ctx.api, inputs.accessProfileId, inputs.versionNumber);
        const id = versionId(ref, "/members");
        const want = ids(inputs.identityIds);
        const exclusive = inputs.exclusive === true;
        // exclusive or adopting: read the membership first, add only who is missing
        const read =
          exclusive || inputs.adoptExisting === true || adoptId !== undefined ? await readMembers(ctx.api, ref, true) : ROUTE_MISSING;
        if (read === undefined)
          throw new VezaResourceError("VEZA_NOT_FOUND", `ProfileMembership ${id}: AccessProfile ${ref.profileId} does not exist in Veza`);
        if (exclusive && read === ROUTE_MISSING) {
          throw new VezaResourceError(
            "VEZA_MEMBERS_UNREADABLE",
            `ProfileMembership ${id}: exclusive needs the current members, and no route of this Veza tenant can read them`,
          );
        }
        const before = read === ROUTE_MISSING ? undefined : read;
        await change(ctx.api, ref, "ADD", before ? want.filter((m) => !before.includes(m)) : want);
        if (exclusive) {
          try {
            await change(
              ctx.api,
              ref,
              "REMOVE",
              before!.filter((m) => !want.includes(m)),
            );
          } catch (e) {
            // the others are still members: recorded as such, the next up removes them
            throw new ResourceInitError(id, outputs(ref, union(before!, want), want, inputs), e);
          }
        }
        return { id, outs: outputs(ref, want, want, inputs) };
      },

      async read(ctx, id, props) {
        const ref = parseVersionId(id);
        const members = await readMembers(ctx.api, ref);
        if (members === undefined) return goneResult("AccessProfile", ref.profileId, props);
        // a look-up (get / opts.id) reports every member, read-only
        if (isLookup(props) && Array.isArray(members)) return { id, props: outputs(ref, members, [], {}) };
        if (members === ROUTE_MISSING) {
          // a look-up's outputs must be Veza's: with nothing to read, it fails rather than echo its state
          if (isLookup(props)) {
            throw new VezaResourceError(
              "VEZA_MEMBERS_UNREADABLE",
              `ProfileMembership ${id}: no route of this Veza tenant can read the members of version ${ref.version}, so it cannot be looked up (get)`,
            );
          }
          ctx.warn(
            `ProfileMembership ${id}: no route of this Veza tenant can read the members of version ${ref.version}; its last known state is kept.`,
          );
          return { id, props: lastKnown(props) };
        }
        const managed = managedOf(props);
        // exclusive: everything the server lists (others show as drift); otherwise only what we manage
        const reported = props?.exclusive === true ? members : managed.filter((m) => members.includes(m));
        return { id, props: outputs(ref, reported, managed, props ?? {}) };
      },

      async update(ctx, id, olds, news) {
        const ref = parseVersionId(id);
        const want = ids(news.identityIds);
        const reported = ids(olds.identityIds);
        const managed = managedOf(olds);
        if (news.exclusive === true) {
          // the list is the whole membership; becoming exclusive, read who else was added since the last refresh
          const known = union(reported, managed);
          const read = olds.exclusive !== true ? await readMembers(ctx.api, ref, true) : undefined;
          const current = Array.isArray(read) ? read : known;
          await change(
            ctx.api,
            ref,
            "ADD",
            want.filter((m) => !current.includes(m)),
          );
          await change(
            ctx.api,
            ref,
            "REMOVE",
            union(current, known).filter((m) => !want.includes(m)),
          );
        } else {
          // only what this resource granted is ever removed (also when leaving exclusive)
          await change(
            ctx.api,
            ref,
            "ADD",
            want.filter((m) => !reported.includes(m)),
          );
          await change(
            ctx.api,
            ref,
            "REMOVE",
            managed.filter((m) => !want.includes(m)),
          );
        }
        return { outs: outputs(ref, want, want, news) };
      },

      async delete(ctx, id, props) {
        const ref = parseVersionId(id);
        if (props?.exclusive !== true) return removeOnDelete(ctx.api, ref, managedOf(props));
        // exclusive: every member at delete time, including ones added since the last refresh
        const members = await readMembers(ctx.api, ref, true);
        if (members === undefined) return; // the profile is gone, and its membership with it
        const known = union(ids(props?.identityIds), managedOf(props));
        return removeOnDelete(ctx.api, ref, members === ROUTE_MISSING ? known : members);
      },
    },
  });

const IDS: Field = { input: "identityIds", api: "identity_ids", kind: "set" };
const ids = (v: unknown) => canon(IDS, v) as string[];

/**
 * `reported`: the membership as this resource sees it (what diff compares with the desired list:
 * with exclusive, every member, so others show as drift). `managed`: the identities this resource
 * itself granted, the only ones a non-exclusive resource ever removes.
 */
function outputs(ref: VersionRef, reported: string[], managed: string[], inputs: Record<string, unknown>): ProfileMembershipOutputs {
  // no API object: every output is computed here, by the declaration's one rule all the same
  return profileMembership.outputsOf(
    {},
    {
      inputs,
      computed: {
        accessProfileId: ref.profileId,
        versionNumber: ref.version,
        identityIds: [...reported].sort(),
        managedIdentityIds: [...managed].sort(),
        exclusive: inputs.exclusive === true,
      },
    },
  );
}

/** What a resource granted, from its outputs (older state had only identityIds). */
const managedOf = (props: ProfileMembershipOutputs | undefined) => ids(props?.managedIdentityIds ?? props?.identityIds);
const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];

async function change(api: VezaApi, ref: VersionRef, type: "ADD" | "REMOVE", identityIds: string[]): Promise<void> {
  if (identityIds.length === 0) return;
  const res = await api.changeMembers(ref.profileId, ref.version, type, identityIds);
  if (res.errorMessage)
    throw new VezaResourceError(
      "VEZA_MEMBERS_NOT_ACCEPTED",
      `ProfileMembership ${versionId(ref, "/members")}: ${type} was not accepted: ${res.errorMessage}`,
    );
}

/**
 * The version's members. For a refresh (`fresh` false): from what the documented list carries (the
 * current version's `members`, else the profile's `member_details`; one walk for the whole run),
 * else the members call. Before a write (`fresh`): the members call first, since a list page read
 * earlier in the run does not show what other resources of this run added or removed since.
 * undefined: a complete walk of the documented list no longer has the profile (gone).
 * ROUTE_MISSING: nothing this tenant has can read them.
 */
async function readMembers(api: VezaApi, ref: VersionRef, fresh = false): Promise<string[] | undefined | RouteMissing> {
  if (fresh) {
    try {
      const list = await api.listMembers(ref.profileId, ref.version);
      if (list !== ROUTE_MISSING) return list.map((m) => m.identity_id);
    } catch (e) {
      // listMembers throws a 404/405/501 only when the documented list no longer has the profile
      if (VezaApiError.isInstance(e) && ROUTE_MISSING_STATUSES.has(e.status)) return undefined;
      throw e;
    }
  }
  const listed = await listedVersion(api, ref);
  if (!listed.profile) return undefined;
  if (listed.version?.members) return listed.version.members;
  const details = (listed.profile as { member_details?: unknown }).member_details;
  if (listed.version && Array.isArray(details))
    return details.map((d) => String((d as { identity_id?: unknown })?.identity_id ?? "")).filter(Boolean);
  if (fresh) return ROUTE_MISSING;
  const list = await api.listMembers(ref.profileId, ref.version);
  return list === ROUTE_MISSING ? list : list.map((m) => m.identity_id);
}

/**
 * REMOVE for a delete. When it fails, the identities may still hold the profile: that is an error,
 * unless the documented list confirms the profile itself is gone.
 */
async function removeOnDelete(api: VezaApi, ref: VersionRef, identityIds: string[]): Promise<void> {
  try {
    await change(api, ref, "REMOVE", identityIds);
  } catch (e) {
    if (!(await api.findProfile(ref.profileId))) return;
    throw new VezaResourceError(
      "VEZA_MEMBERS_NOT_REMOVED",
      // a count, not the ids: identityIds may be secret, and the provider cannot tell (it gets them unwrapped)
      `ProfileMembership ${versionId(ref, "/members")}: could not remove ${identityIds.length} identit${identityIds.length === 1 ? "y" : "ies"}; they still hold the profile in Veza: ${(e as Error)?.message ?? String(e)}`,
      e,
    );
  }
}

// ---- resource ----
/** What `ProfileMembership.get` may start from: any of its outputs, as Inputs (Veza's answer wins). */
export type ProfileMembershipState = ResourceState<ProfileMembership>;

/**
 * Identities that hold a version of a Veza access profile.
 *
 * @remarks
 * Non-exclusive (the default): only the listed identities are managed, and the resource removes only
 * identities it granted itself (output `managedIdentityIds`), also when `exclusive` is turned off.
 * With `exclusive: true` the list is the whole membership: a refresh reports other members as drift
 * and the next `up` removes them.
 *
 * @example
 * ```ts
 * import * as veza from "pulumi-veza";
 *
 * const roleType = new veza.AccessProfileType("business-role", { name: "Business Role", allowInheritEntities: true });
 * const ae = new veza.AccessProfile("account-executive", { name: "Account Executive", profileType: roleType.id });
 * new veza.ProfileMembership("account-executive-members", {
 *   accessProfileId: ae.id,
 *   identityIds: ["alice@example.com", "bob@example.com"],
 * });
 * ```
 */
export class ProfileMembership extends VezaResource {
  /** Id of the AccessProfile. */
  declare public readonly accessProfileId: pulumi.Output<string>;
  /** Number of the version whose membership this resource manages (the profile's current version at create when the input is unset). */
  declare public readonly versionNumber: pulumi.Output<number>;
  /** The membership as this resource sees it (exclusive: every member of the version). */
  declare public readonly identityIds: pulumi.Output<string[]>;
  /** The identities this resource granted (the only ones a non-exclusive membership removes). */
  declare public readonly managedIdentityIds: pulumi.Output<string[]>;
  /** Whether the list is the whole membership of the version. */
  declare public readonly exclusive: pulumi.Output<boolean>;
  /** Whether create was told to read the members first and add only the missing ones (the input as given). */
  declare public readonly adoptExisting: pulumi.Output<boolean>;

  constructor(name: string, args: ProfileMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    super(profileMembership, name, args, opts);
  }
}
