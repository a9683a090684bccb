/** Ids of version-scoped resources (`<profileId>/versions/<n>[/members]`) and current-version lookup. */
import { VezaApiError } from "../../client/errors";
import { getApi } from "./context";

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

/** The version to write: the given number, or the profile's current version (one GET, at create). */
export async function resolveVersion(profileId: string, versionNumber: unknown): Promise<VersionRef> {
  if (versionNumber !== undefined && versionNumber !== null) return { profileId, version: Number(versionNumber) };
  const found = await getApi().getProfile(profileId);
  if (!found) throw new Error(`access profile ${profileId} was not found in Veza`);
  const version = found.profile.current_version_number ?? found.profile.current_version?.version_number;
  if (!version) throw new Error(`access profile ${profileId} has no current version`);
  return { profileId, version };
}

/** Runs `fn`; a 404 (the profile or version is gone) resolves to undefined. */
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
  if (want !== undefined && want !== null && String(want) !== String(olds.versionNumber)) out.push("versionNumber");
  return out;
}
