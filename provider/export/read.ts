/** Reads a whole tenant for `pulumi-veza export`: every type, profile, current version and its members. */
import { ROUTE_MISSING, type VezaApi } from "../client/api";
import { LIST_PAGE_SIZE } from "../client/endpoints";
import type { ApiProfile, ApiType, ApiVersion } from "../client/api-objects";

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
  /** Progress lines ("listed 200 access profiles…"), for stderr: from the first list page on. */
  onProgress?: (line: string) => void;
  /** Report members read every this many profiles (default 50). */
  progressEvery?: number;
}

/**
 * Lists types and profiles (paged, documented). Each profile's current version comes with its list
 * item; its members with it too when the item carries them (the version's `members`, the profile's
 * `member_details`), else from the members call. `membersUnreadable` names the profiles whose
 * members no route of the tenant could read (the exported program says so instead of omitting them silently).
 * Progress is reported before the first request and after every list page, so a slow or silent
 * tenant shows where the export is.
 */
export async function readTenant(api: VezaApi, opts: ReadOptions = {}): Promise<Tenant> {
  const progress = opts.onProgress ?? (() => undefined);
  const every = opts.progressEvery ?? 50;
  progress("listing access profile types…");
  const types = await listAll(api.listTypes(), "access profile types", progress);
  progress("listing access profiles…");
  const listed = await listAll(api.listProfiles(), "access profiles", progress);
  const total = listed.length;
  let done = 0;
  const membersUnreadable: string[] = [];
  let reported = false;
  // the client's per-process concurrency cap bounds the requests in flight
  const profiles = await Promise.all(
    listed.map(async (p): Promise<TenantProfile> => {
      const versionNumber = p.current_version_number ?? p.current_version?.version_number ?? 1;
      const version = p.current_version;
      let members = version?.members ?? memberDetails(p);
      if (!members) {
        if (!reported) progress("reading members where the list does not carry them…");
        reported = true;
        const read = await api.listMembers(p.id, versionNumber);
        if (read === ROUTE_MISSING) membersUnreadable.push(p.name ?? p.id);
        members = read === ROUTE_MISSING ? [] : read.map((m) => m.identity_id);
      }
      done++;
      if (done % every === 0 || done === total) progress(`read ${done}/${total} profiles…`);
      return { profile: p, versionNumber, version, members };
    }),
  );
  return { types, profiles, membersUnreadable };
}

/** Every item of a list, with a progress line per page (the lists come LIST_PAGE_SIZE a page) and at the end. */
async function listAll<T>(items: AsyncIterable<T>, what: string, progress: (line: string) => void): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length % LIST_PAGE_SIZE === 0) progress(`listed ${out.length} ${what}…`);
  }
  progress(`listed ${out.length} ${what}`);
  return out;
}

/** The identity ids of a profile's `member_details`, when the list item carries the field. */
function memberDetails(p: ApiProfile): string[] | undefined {
  const details = (p as { member_details?: unknown }).member_details;
  if (!Array.isArray(details)) return undefined;
  return details.map((d) => String((d as { identity_id?: unknown })?.identity_id ?? "")).filter(Boolean);
}
