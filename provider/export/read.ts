/** Reads a whole tenant for `pulumi-veza export`: every type, profile, current version and its members. */
import type { VezaApi } from "../client/api";
import type { ApiProfile, ApiType, ApiVersion } from "../client/normalize";

export interface TenantProfile {
  profile: ApiProfile;
  /** The current (published) version's number. */
  versionNumber: number;
  /** The current version's content, as GET ?version=n gives it (undefined: the profile has none). */
  version?: ApiVersion;
  /** Identity ids holding the current version. */
  members: string[];
}

export interface Tenant {
  types: ApiType[];
  profiles: TenantProfile[];
}

export interface ReadOptions {
  /** Progress lines ("read 120/200 profiles…"), for stderr. */
  onProgress?: (line: string) => void;
  /** Report progress every this many profiles (default 50; only tenants with more profiles report). */
  progressEvery?: number;
}

/** Lists types and profiles (paged), then reads each profile's current version and members. */
export async function readTenant(api: VezaApi, opts: ReadOptions = {}): Promise<Tenant> {
  const progress = opts.onProgress ?? (() => undefined);
  const every = opts.progressEvery ?? 50;
  const types: ApiType[] = [];
  for await (const t of api.listTypes()) types.push(t);
  const listed: ApiProfile[] = [];
  for await (const p of api.listProfiles()) listed.push(p);
  const total = listed.length;
  if (total > every) progress(`listed ${types.length} types and ${total} profiles; reading versions and members…`);
  let done = 0;
  // the client's per-process concurrency cap bounds the requests in flight
  const profiles = await Promise.all(
    listed.map(async (p): Promise<TenantProfile> => {
      const versionNumber = p.current_version_number ?? p.current_version?.version_number ?? 1;
      // The list carries the current version (and its members): no request per profile when it does.
      // Only what it leaves out is read: the version by GET ?version=n, the members from their list.
      const carried = p.current_version && (p.current_version.version_number ?? versionNumber) === versionNumber ? p.current_version : undefined;
      const [found, members] = await Promise.all([
        carried ? { profile: p, version: carried } : api.getProfile(p.id, versionNumber),
        carried?.members ?? api.listMembers(p.id, versionNumber).then((ms) => ms.map((m) => m.identity_id), notFoundAsEmpty),
      ]);
      done++;
      if (total > every && (done % every === 0 || done === total)) progress(`read ${done}/${total} profiles…`);
      return {
        profile: found?.profile ?? p,
        versionNumber,
        version: found?.version,
        members,
      };
    }),
  );
  return { types, profiles };
}

function notFoundAsEmpty(e: unknown): never[] {
  if ((e as { status?: number })?.status === 404) return [];
  throw e;
}
