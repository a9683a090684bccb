/** Ids of version-scoped resources (`<profileId>/versions/<n>[/members]`) and current-version lookup. */
import type { VezaApi } from "../../client/api";
import { VezaApiError } from "../../client/errors";
import type { ApiProfile, ApiVersion } from "../../client/normalize";
import { getApi } from "./context";
import { isUnknown } from "./unknown";

export interface VersionRef {
  profileId: string;
  version: number;
}

export function versionId(ref: VersionRef, suffix = ""): string {
  return `${ref.profileId}/versions/${ref.version}${suffix}`;
}

export function parseVersionId(id: string): VersionRef {
  const m = /^(.+)\/versions\/(\d+)(?:\/members)?$/.exec(id);
  if (!m) throw new Error(`"${id}" is not an id of the form <profileId>/versions/<n>`);
  return { profileId: m[1], version: Number(m[2]) };
}

/**
 * The version to write: the given number, or the profile's current version as this process already
 * saw it (the profile's create response, a list page), else from the documented list: never a GET
 * by id, and no request at all when the profile was created or listed in this run.
 */
export async function resolveVersion(profileId: string, versionNumber: unknown): Promise<VersionRef> {
  if (versionNumber !== undefined && versionNumber !== null) return { profileId, version: Number(versionNumber) };
  const api = getApi();
  const version = await api.currentVersionNumber(profileId);
  if (version === undefined) throw new Error(`AccessProfile ${profileId} does not exist in Veza (it is not in the list of access profiles)`);
  if (!version) throw new Error(`AccessProfile ${profileId} has no current version in Veza`);
  return { profileId, version };
}

/** Runs `fn` (a documented route about one object); a 404 means the object is gone and resolves to undefined. */
export async function unlessGone<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof VezaApiError && e.status === 404) return undefined;
    throw e;
  }
}

/** Replacement reasons shared by version-scoped resources. */
export function versionReplaces(olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (news.accessProfileId !== olds.accessProfileId) out.push("accessProfileId");
  const want = news.versionNumber;
  // Unknown in a preview when wired from the profile's currentVersionNumber while the profile is
  // updated (the engine hands back only the new inputs): the profile's edits never publish a new
  // version, so this is no change. The real `up` diffs again with the value, and replaces if it moved.
  if (isUnknown(want)) return out;
  if (want !== undefined && want !== null && String(want) !== String(olds.versionNumber)) out.push("versionNumber");
  return out;
}

/**
 * For reads: the profile as the documented list carries it, and its version `ref.version` when that
 * is the profile's current version (the list item carries `current_version`). `profile` undefined:
 * a complete walk of the list did not find it, so it is gone.
 */
export async function listedVersion(ref: VersionRef): Promise<{ profile?: ApiProfile; version?: ApiVersion }> {
  const profile = await getApi().findProfile(ref.profileId);
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
