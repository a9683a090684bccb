/** Ids of version-scoped resources (`<profileId>/versions/<n>[/members]`) and current-version lookup. */
import type { VezaApi } from "../../client/api";
import type { ApiProfile, ApiVersion } from "../../client/api-objects";
import type { InputSpec } from "./declare";
import { VezaApiError, VezaResourceError } from "../../errors";

export interface VersionRef {
  profileId: string;
  version: number;
}

export function versionId(ref: VersionRef, suffix = ""): string {
  return `${ref.profileId}/versions/${ref.version}${suffix}`;
}

/** The one grammar of version-scoped ids: the version, and whether the id names its members. undefined: not such an id. */
export function matchVersionId(id: string): (VersionRef & { members: boolean }) | undefined {
  const m = /^(.+)\/versions\/(\d+)(\/members)?$/.exec(id);
  return m ? { profileId: m[1], version: Number(m[2]), members: m[3] !== undefined } : undefined;
}

export function parseVersionId(id: string): VersionRef {
  const m = matchVersionId(id);
  if (!m) throw new VezaResourceError("VEZA_BAD_ID", `"${id}" is not an id of the form <profileId>/versions/<n>`);
  return { profileId: m.profileId, version: m.version };
}

/**
 * The version to write: the given number, or the profile's current version as this process already
 * saw it (the profile's create response, a list page), else from the documented list: never a GET
 * by id, and no request at all when the profile was created or listed in this run.
 */
export async function resolveVersion(api: VezaApi, profileId: string, versionNumber: unknown): Promise<VersionRef> {
  if (versionNumber !== undefined && versionNumber !== null) return { profileId, version: Number(versionNumber) };
  const version = await api.currentVersionNumber(profileId);
  if (version === undefined) throw profileNotListed(profileId);
  if (!version) throw new VezaResourceError("VEZA_NO_CURRENT_VERSION", `AccessProfile ${profileId} has no current version in Veza`);
  return { profileId, version };
}

/** Runs `fn` (a documented route about one object); a 404 means the object is gone and resolves to undefined. */
export async function unlessGone<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (VezaApiError.isInstance(e) && e.status === 404) return undefined;
    throw e;
  }
}

/**
 * The inputs that name the version a version-scoped resource manages (they form its id). Changing
 * either replaces it. `versionNumber` unknown in a preview is no change: wired from the profile's
 * `currentVersionNumber` while the profile is updated (the engine hands back only the new inputs),
 * and the profile's edits never publish a new version; the real `up` diffs again with the value.
 */
export const VERSION_SCOPE_INPUTS = {
  accessProfileId: { kind: "string", required: true, what: "the id of an AccessProfile", compared: true, replaces: true },
  versionNumber: { kind: "int", min: 1, compared: true, replaces: true, unknownIsNoChange: true },
} as const satisfies Record<string, InputSpec>;

/** A complete walk of the documented list did not find the profile. */
export function profileNotListed(profileId: string): VezaResourceError {
  return new VezaResourceError(
    "VEZA_NOT_FOUND",
    `AccessProfile ${profileId} does not exist in Veza (it is not in the list of access profiles)`,
  );
}

/**
 * For reads: the profile as the documented list carries it, and its version `ref.version` when that
 * is the profile's current version (the list item carries `current_version`). `profile` undefined:
 * a complete walk of the list did not find it, so it is gone.
 */
export async function listedVersion(api: VezaApi, ref: VersionRef): Promise<{ profile?: ApiProfile; version?: ApiVersion }> {
  const profile = await api.findProfile(ref.profileId);
  if (!profile) return {};
  const listed = profile.current_version;
  const isCurrent = listed && (listed.version_number ?? profile.current_version_number) === ref.version;
  return { profile, version: isCurrent ? listed : undefined };
}

/** Empties a version's entities and inheritance (one PATCH with both in the update_mask). */
export function clearVersionContent(api: VezaApi, profileId: string, version: number): Promise<ApiVersion> {
  return api.updateVersion(profileId, version, { entities_to_create_relationships_to: [], inherit_entities_from_access_profiles: [] }, [
    "entities_to_create_relationships_to",
    "inherit_entities_from_access_profiles",
  ]);
}
