/** Reads a whole tenant for `pulumi-veza export`: every type, profile, current version and its members. */
import { ROUTE_MISSING, type VezaApi } from "../client/api";
import type { ApiProfile, ApiType, ApiVersion } from "../client/normalize";

export interface TenantProfile {
  profile: ApiProfile;
  /** The current (published) version's number. */
  versionNumber: number;
  /** The current version's content, as the list item carries it (undefined: the item has none). */
  version?: ApiVersion;
  /** Identity ids holding the current version. */
  members: string[];
}

export interface Tenant {
  types: ApiType[];
  profiles: TenantProfile[];
  /** Names of profiles whose members no route of the tenant could read. */
  membersUnreadable?: string[];
}

export interface ReadOptions {
  /** Progress lines ("read 120/200 profiles…"), for stderr. */
  onProgress?: (line: string) => void;
  /** Report progress every this many profiles (default 50; only tenants with more profiles report). */
  progressEvery?: number;
}

/**
 * Lists types and profiles (paged, documented). Each profile's current version comes with its list
 * item; its members with it too when the item carries them (the version's `members`, the profile's
 * `member_details`), else from the members call. `membersUnreadable` names the profiles whose
 * members no route of the tenant could read (the exported program says so instead of omitting them silently).
 */
export async function readTenant(api: VezaApi, opts: ReadOptions = {}): Promise<Tenant> {
  const progress = opts.onProgress ?? (() => undefined);
  const every = opts.progressEvery ?? 50;
  const types: ApiType[] = [];
  for await (const t of api.listTypes()) types.push(t);
  const listed: ApiProfile[] = [];
  for await (const p of api.listProfiles()) listed.push(p);
  const total = listed.length;
  if (total > every) progress(`listed ${types.length} types and ${total} profiles; reading members where the list does not carry them…`);
  let done = 0;
  const membersUnreadable: string[] = [];
  // the client's per-process concurrency cap bounds the requests in flight
  const profiles = await Promise.all(
    listed.map(async (p): Promise<TenantProfile> => {
      const versionNumber = p.current_version_number ?? p.current_version?.version_number ?? 1;
      const version = p.current_version;
      let members = version?.members ?? memberDetails(p);
      if (!members) {
        const read = await api.listMembers(p.id, versionNumber);
        if (read === ROUTE_MISSING) membersUnreadable.push(p.name ?? p.id);
        members = read === ROUTE_MISSING ? [] : read.map((m) => m.identity_id);
      }
      done++;
      if (total > every && (done % every === 0 || done === total)) progress(`read ${done}/${total} profiles…`);
      return { profile: p, versionNumber, version, members };
    }),
  );
  return { types, profiles, membersUnreadable };
}

/** The identity ids of a profile's `member_details`, when the list item carries the field. */
function memberDetails(p: ApiProfile): string[] | undefined {
  const details = (p as { member_details?: unknown }).member_details;
  if (!Array.isArray(details)) return undefined;
  return details.map((d) => String((d as { identity_id?: unknown })?.identity_id ?? "")).filter(Boolean);
}
