/**
 * ProfileMembership: identities that hold a version of a profile. Non-exclusive (default): only the
 * listed identities are managed. Exclusive: the list is the whole membership; others are drift.
 * Sections: inputs, schema, diff, CRUD, resource class.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { getApi } from "./shared/context";
import { canon, defined, propsWithOutputs, type Field } from "./shared/fields";
import { diffResult, ResourceInitError, type ResourceImpl } from "./shared/impl";
import { uBool, uInt, uNonEmpty, uStringList, validate } from "./shared/schema";
import { PLACEHOLDER_PROVIDER, withShell } from "./shared/shell";
import { containsUnknown, isUnknown } from "./shared/unknown";
import { listedVersion, parseVersionId, resolveVersion, unlessGone, versionId, versionReplaces, type VersionRef } from "./shared/version-ref";

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

// ---- schema ----
const schema = z.looseObject({
  accessProfileId: uNonEmpty("the id of an AccessProfile"),
  versionNumber: uInt(1).optional(),
  identityIds: uStringList(),
  exclusive: uBool().optional(),
  adoptExisting: uBool().optional(),
});

const IDS: Field = { input: "identityIds", api: "identity_ids", kind: "set" };
const ids = (v: unknown) => canon(IDS, v) as string[];

/**
 * `reported`: the membership as this resource sees it (what diff compares with the desired list:
 * with exclusive, every member, so others show as drift). `managed`: the identities this resource
 * itself granted, the only ones a non-exclusive resource ever removes.
 */
function outputs(ref: VersionRef, reported: string[], managed: string[], inputs: Record<string, unknown>): Record<string, unknown> {
  return defined({
    accessProfileId: ref.profileId,
    versionNumber: ref.version,
    identityIds: [...reported].sort(),
    managedIdentityIds: [...managed].sort(),
    exclusive: inputs.exclusive === true,
    adoptExisting: inputs.adoptExisting === true,
  });
}

/** What a resource granted, from its outputs (older state had only identityIds). */
const managedOf = (props: Record<string, unknown> | undefined) => ids(props?.managedIdentityIds ?? props?.identityIds);
const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];

async function change(ref: VersionRef, type: "ADD" | "REMOVE", identityIds: string[]): Promise<void> {
  if (identityIds.length === 0) return;
  const res = await getApi().changeMembers(ref.profileId, ref.version, type, identityIds);
  if (res.errorMessage) throw new Error(`ProfileMembership ${versionId(ref, "/members")}: ${type} was not accepted: ${res.errorMessage}`);
}

async function currentMembers(ref: VersionRef): Promise<string[] | undefined> {
  const list = await unlessGone(() => getApi().listMembers(ref.profileId, ref.version));
  return list?.map((m) => m.identity_id);
}

/**
 * For refresh: the current version's `members` as the batched profile list carries them (no request
 * of its own), else the version's member list.
 */
async function membersForRefresh(ref: VersionRef): Promise<string[] | undefined> {
  const listed = await listedVersion(ref);
  if (!listed.profile) return undefined;
  return listed.version?.members ?? currentMembers(ref);
}

// ---- CRUD ----
export const impl: ResourceImpl = {
  async check(_olds, news) {
    return { inputs: news, failures: validate(schema, news, `ProfileMembership of profile ${news?.accessProfileId ?? "?"}`) };
  },

  async diff(_id, olds, news) {
    const replaces = versionReplaces(olds, news);
    const changed: string[] = [];
    const want = ids(news.identityIds);
    if (containsUnknown(news.identityIds) || JSON.stringify(want) !== JSON.stringify(ids(olds.identityIds))) changed.push("identityIds");
    if (isUnknown(news.exclusive) || (news.exclusive === true) !== (olds.exclusive === true)) changed.push("exclusive");
    return diffResult(changed, replaces);
  },

  async create(inputs) {
    const ref = await resolveVersion(inputs.accessProfileId, inputs.versionNumber);
    const id = versionId(ref, "/members");
    const want = ids(inputs.identityIds);
    const exclusive = inputs.exclusive === true;
    // exclusive or adopting: read the membership first, add only who is missing
    const before = exclusive || inputs.adoptExisting === true ? await currentMembers(ref) : undefined;
    if ((exclusive || inputs.adoptExisting === true) && !before) throw new Error(`ProfileMembership ${id}: the profile version was not found in Veza`);
    await change(ref, "ADD", before ? want.filter((m) => !before.includes(m)) : want);
    if (exclusive) {
      try {
        await change(ref, "REMOVE", before!.filter((m) => !want.includes(m)));
      } catch (e) {
        // the others are still members: recorded as such, the next up removes them
        throw new ResourceInitError(id, outputs(ref, union(before!, want), want, inputs), e);
      }
    }
    return { id, outs: outputs(ref, want, want, inputs) };
  },

  async read(id, props) {
    const ref = parseVersionId(id);
    const members = await membersForRefresh(ref);
    if (!members) return { id: "", props: {} };
    const managed = managedOf(props);
    // exclusive: everything the server lists (others show as drift); otherwise only what we manage
    const reported = props?.exclusive === true ? members : managed.filter((m) => members.includes(m));
    return { id, props: outputs(ref, reported, managed, props ?? {}) };
  },

  async update(id, olds, news) {
    const ref = parseVersionId(id);
    const want = ids(news.identityIds);
    const reported = ids(olds.identityIds);
    const managed = managedOf(olds);
    if (news.exclusive === true) {
      // the list is the whole membership; becoming exclusive, read who else was added since the last refresh
      const known = union(reported, managed);
      const current = olds.exclusive !== true ? ((await currentMembers(ref)) ?? known) : known;
      await change(ref, "ADD", want.filter((m) => !current.includes(m)));
      await change(ref, "REMOVE", union(current, known).filter((m) => !want.includes(m)));
    } else {
      // only what this resource granted is ever removed (also when leaving exclusive)
      await change(ref, "ADD", want.filter((m) => !reported.includes(m)));
      await change(ref, "REMOVE", managed.filter((m) => !want.includes(m)));
    }
    return { outs: outputs(ref, want, want, news) };
  },

  async delete(id, props) {
    const ref = parseVersionId(id);
    const remove = props?.exclusive === true ? await currentMembers(ref) : managedOf(props);
    if (!remove) return;
    await unlessGone(() => change(ref, "REMOVE", remove));
  },
};

// ---- resource ----
/**
 * The outputs the class declares (each gets an Output on the resource object). Only these are
 * registered as output properties: every registered property costs the Pulumi runtime work per
 * resource; the state still holds all outputs.
 */
const MEMBERSHIP_OUTPUTS = ["accessProfileId", "versionNumber", "identityIds", "managedIdentityIds", "exclusive"];

/** Identities that hold a version of a Veza access profile. */
export class ProfileMembership extends pulumi.dynamic.Resource {
  declare public readonly accessProfileId: pulumi.Output<string>;
  declare public readonly versionNumber: pulumi.Output<number>;
  /** The membership as this resource sees it (exclusive: every member of the version). */
  declare public readonly identityIds: pulumi.Output<string[]>;
  /** The identities this resource granted (the only ones a non-exclusive membership removes). */
  declare public readonly managedIdentityIds: pulumi.Output<string[]>;
  declare public readonly exclusive: pulumi.Output<boolean>;

  constructor(name: string, args: ProfileMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    super(PLACEHOLDER_PROVIDER, name, withShell(propsWithOutputs(args, MEMBERSHIP_OUTPUTS), "ProfileMembership"), opts, "veza", "ProfileMembership");
  }
}
