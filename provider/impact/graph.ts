/**
 * The two sides of a preview read as graphs, the way Veza keeps them: profiles, the versions that
 * say what each grants, and ONE member list per (profile, version), shared by every
 * ProfileMembership of that version and by members granted in Veza itself (access requests, the UI).
 *
 * The old member list is what the old state (or, with --tenant, Veza today) lists. The new list
 * applies to it the calls `pulumi up` makes, in the order the engine makes them: creates and updates
 * first (the provider's ADD and REMOVE of each membership), then deletes, the delete halves of
 * create-before-delete replacements included, at the end. A replaced profile is a new Veza object:
 * its versions start with no member but those its memberships add. Which identities end up on a
 * list is "in", "out" or, when the input does not settle it (a secret list, two memberships whose
 * calls contradict each other with no order between them), uncertain: an uncertain holding may or
 * may not be there (Graph.maybe), so only what holds either way is counted, and the reason is reported.
 */
import { SECRET, UNKNOWN, VEZA_TYPE_PREFIX, type ResourceV3, type Sides } from "./input";

export interface Entitlement {
  entityType: string;
  datasourceId: string;
  entityId: string;
}

export interface Unresolved {
  urn: string;
  reason: string;
}

export const KIND = {
  profile: `${VEZA_TYPE_PREFIX}AccessProfile`,
  version: `${VEZA_TYPE_PREFIX}AccessProfileVersion`,
  membership: `${VEZA_TYPE_PREFIX}ProfileMembership`,
};

export type Side = "before" | "after";
export const SIDE_WORD: Record<Side, string> = { before: "old state", after: "new state" };

/** A profile is known by its URN when the input declares it, else by `id:<Veza id>`. */
export type ProfileKey = string;

export interface VersionNode {
  urn: string;
  profile: ProfileKey;
  versionNumber?: number;
  /** undefined: not readable (reported as unresolved). */
  entities?: Entitlement[];
  /** Some entities could not be read (reported). */
  entitiesPartial: boolean;
  inheritFrom: ProfileKey[];
  /** Some inheritFrom elements could not be resolved (reported). */
  partial: boolean;
  /** The `state` the version resource sets ("PUBLISHED", "DRAFT"), when it sets one. */
  state?: string;
}

/** A version an identity holds: it is on that version's member list. */
export interface Holding {
  profile: ProfileKey;
  versionNumber?: number;
  /** The resource that says so (named when what the version grants is not known). */
  from?: string;
}

export interface Graph {
  side: Side;
  names: Map<ProfileKey, string>;
  currentVersion: Map<ProfileKey, number>;
  versions: Map<ProfileKey, VersionNode[]>;
  /** identity -> the versions it holds */
  holdings: Map<string, Holding[]>;
  /** identity -> versions it may or may not hold (the input does not settle it; noted as unresolved) */
  maybe: Map<string, Holding[]>;
}

/** A profile replaced by the preview: a new Veza object in place of the old. */
export interface Replacement {
  urn: string;
  profile: string;
  /** Who held the old profile (any version) and does not hold the new one after the change. */
  dropped: string[];
  /** Who holds the new one again through memberships of the stack. */
  regranted: string[];
  /** Profiles of the stack whose versions inherit from it (their members lose it for a while too). */
  inheritedBy: string[];
}

/** Members of profiles outside the stack, and those profiles, from the tenant (see tenant.ts). */
export interface TenantView {
  /** Veza id -> the profile as Veza lists it today. */
  profiles: Map<string, TenantProfile>;
}
export interface TenantProfile {
  id: string;
  name: string;
  currentVersionNumber?: number;
  entities: Entitlement[];
  inheritFrom: string[];
  /** undefined: the list does not carry the current version's members. */
  members?: string[];
}

export const entitlementKey = (e: Entitlement) => `${e.entityType}\u0000${e.datasourceId}\u0000${e.entityId}`;

export const isPlain = (v: unknown): v is string => typeof v === "string" && v !== UNKNOWN && v !== SECRET;
const what = (v: unknown) => (v === SECRET ? "a secret ([secret])" : v === UNKNOWN ? "unknown in the preview" : `not a string (${JSON.stringify(v)})`);

/** A property of a resource state: its output, else its input (a preview's new state of an update has only inputs). */
export function prop(r: ResourceV3, key: string): unknown {
  if (r.outputs && key in r.outputs) return r.outputs[key];
  return r.inputs?.[key];
}

/** How a version read from the tenant is named where a URN would be (it has none). */
const TENANT = "tenant:";

/** The label of a profile outside the stack, as every format prints it. */
export const OUTSIDE = " (outside the stack)";

interface MembershipNode {
  urn: string;
  profile: ProfileKey;
  /** undefined: the profile's current version, number not known. */
  versionNumber?: number;
  identities: string[];
  /** Some identities could not be read (reported). */
  partial: boolean;
  exclusive: boolean;
  /** The identities the provider removes on delete or shrink (non-exclusive): those it granted. */
  managed: string[];
}

/** One side as read, before the sides fill each other's unreadable values in. */
interface RawSide {
  names: Map<ProfileKey, string>;
  currentVersion: Map<ProfileKey, number>;
  versionNodes: Map<string, VersionNode>;
  memberships: Map<string, MembershipNode>;
  /** Versions and memberships whose profile this side cannot name (noted). */
  unnamed: Set<string>;
}

const versionKey = (profile: ProfileKey, n: number | undefined) => `${profile}\u0000${n ?? ""}`;

/** Per version: who is on its member list. "uncertain": the input does not settle it. */
type MemberLists = Map<string, { profile: ProfileKey; versionNumber?: number; members: Map<string, "in" | "uncertain">; from?: string }>;

export class GraphReader {
  readonly unresolved = new Map<string, Unresolved>();
  readonly replacements: Replacement[] = [];
  /** Every AccessProfile URN in the input, and the Veza id -> URN of those whose id is known. */
  private readonly profileUrns = new Set<string>();
  private readonly urnOfId = new Map<string, string>();
  /** Profile URNs whose Veza object the preview replaces (a new id) or creates. */
  private readonly newObject = new Set<string>();
  /** Per profile, the URNs of its version resources on either side. */
  private readonly versionUrns = new Map<ProfileKey, Set<string>>();

  constructor(
    private readonly sides: Sides,
    private readonly tenant?: TenantView,
  ) {
    for (const side of [sides.before, sides.after]) {
      for (const r of side.values()) {
        if (r.type !== KIND.profile) continue;
        this.profileUrns.add(r.urn);
        if (isPlain(r.id) && r.id !== "") this.urnOfId.set(r.id, r.urn);
      }
    }
    for (const [urn, r] of sides.after) {
      if (r.type !== KIND.profile) continue;
      const old = sides.before.get(urn);
      // a replace's new state has no id yet (or a new one)
      if (!old || !isPlain(old.id) || old.id !== r.id) this.newObject.add(urn);
    }
  }

  note(urn: string, reason: string): void {
    const key = `${urn}\u0000${reason}`;
    if (!this.unresolved.has(key)) this.unresolved.set(key, { urn, reason });
  }

  private keyOfId(id: string): ProfileKey {
    return this.urnOfId.get(id) ?? `id:${id}`;
  }

  /**
   * Whether the preview shows the profile and every version resource of it as `same` (no walk can
   * differ through its own versions then: a cheap test before comparing their contents).
   */
  unchangedProfile(p: ProfileKey): boolean {
    const ops = this.sides.ops;
    if (!ops) return false;
    const same = (urn: string) => (ops.get(urn) ?? "same") === "same" && this.sides.before.has(urn) && this.sides.after.has(urn);
    if (!p.startsWith("id:") && !same(p)) return false;
    for (const urn of this.versionUrns.get(p) ?? []) if (urn.startsWith(TENANT) || !same(urn)) return false;
    return true;
  }

  /** Whether the profile's Veza object is the same on both sides (not created, replaced or deleted). */
  private persists(p: ProfileKey): boolean {
    if (p.startsWith("id:")) return true;
    return this.sides.before.has(p) && this.sides.after.has(p) && !this.newObject.has(p);
  }

  /** The profiles a property's unknown values stand for: its propertyDependencies that are AccessProfiles. */
  private dependedProfiles(r: ResourceV3, key: string): string[] {
    const deps = r.propertyDependencies?.[key] ?? [];
    return [...new Set(deps)].filter((u) => this.profileUrns.has(u));
  }

  /** `accessProfileId` of a version or membership. */
  private profileRef(r: ResourceV3, side: Side): ProfileKey | undefined {
    const v = prop(r, "accessProfileId");
    if (isPlain(v)) return this.keyOfId(v);
    if (v === UNKNOWN) {
      const deps = this.dependedProfiles(r, "accessProfileId");
      if (deps.length === 1) return deps[0];
      this.note(r.urn, `accessProfileId is unknown in the preview and its propertyDependencies name ${deps.length} AccessProfiles, not one (${SIDE_WORD[side]})`);
      return undefined;
    }
    this.note(r.urn, `accessProfileId is ${what(v)} (${SIDE_WORD[side]})`);
    return undefined;
  }

  /**
   * `inheritFrom`: known ids map to profiles; unknown elements (ids of profiles this preview creates or
   * replaces) are the AccessProfiles of propertyDependencies.inheritFrom not named by a known id,
   * when their count matches exactly (it is a set: which unknown is which does not matter).
   */
  private inheritRefs(r: ResourceV3, value: unknown, side: Side): { keys: ProfileKey[]; partial: boolean } {
    if (value === undefined || value === null) return { keys: [], partial: false };
    if (!Array.isArray(value)) {
      this.note(r.urn, `inheritFrom is ${what(value)} (${SIDE_WORD[side]}): the profiles it inherits from cannot be listed`);
      return { keys: [], partial: true };
    }
    const keys = new Set<ProfileKey>();
    let unknowns = 0;
    let partial = false;
    value.forEach((v, i) => {
      if (isPlain(v)) keys.add(this.keyOfId(v));
      else if (v === UNKNOWN) unknowns++;
      else {
        this.note(r.urn, `inheritFrom[${i}] is ${what(v)} (${SIDE_WORD[side]})`);
        partial = true;
      }
    });
    if (unknowns > 0) {
      const rest = this.dependedProfiles(r, "inheritFrom").filter((u) => !keys.has(u));
      if (rest.length === unknowns) rest.forEach((u) => keys.add(u));
      else {
        this.note(r.urn, `inheritFrom has ${unknowns} value(s) unknown in the preview and propertyDependencies.inheritFrom names ${rest.length} other AccessProfile(s) (${SIDE_WORD[side]})`);
        partial = true;
      }
    }
    return { keys: [...keys], partial };
  }

  private entities(r: ResourceV3, value: unknown, side: Side): { entities?: Entitlement[]; entitiesPartial: boolean } {
    if (value === undefined || value === null) return { entities: [], entitiesPartial: false };
    if (!Array.isArray(value)) {
      this.note(r.urn, `entities is ${what(value)} (${SIDE_WORD[side]}): what the version grants cannot be listed`);
      return { entities: undefined, entitiesPartial: false };
    }
    const out: Entitlement[] = [];
    let entitiesPartial = false;
    value.forEach((e, i) => {
      const o = (e ?? {}) as Record<string, unknown>;
      const bad = (["entityType", "datasourceId", "entityId"] as const).find((k) => !isPlain(o[k]));
      if (bad) {
        entitiesPartial = true;
        this.note(r.urn, `entities[${i}].${bad} is ${what(o[bad])} (${SIDE_WORD[side]})`);
      } else out.push({ entityType: o.entityType as string, datasourceId: o.datasourceId as string, entityId: o.entityId as string });
    });
    return { entities: out, entitiesPartial };
  }

  /**
   * A property of the side's state, or, when the new state does not mention it (an input the program
   * does not set is not managed: Veza keeps its value), the old state's.
   */
  private value(r: ResourceV3, side: Side, key: string): unknown {
    const v = prop(r, key);
    if (v !== undefined || side === "before") return v;
    const old = this.sides.before.get(r.urn);
    return old ? prop(old, key) : undefined;
  }

  private identityList(r: ResourceV3, value: unknown, side: Side, field = "identityIds"): { identities: string[]; partial: boolean } {
    if (value === undefined || value === null) return { identities: [], partial: false };
    if (!Array.isArray(value)) {
      this.note(r.urn, `${field} is ${what(value)} (${SIDE_WORD[side]}): who holds this profile cannot be listed, and no change of its holders is counted`);
      return { identities: [], partial: true };
    }
    const identities: string[] = [];
    let partial = false;
    value.forEach((v, i) => {
      if (isPlain(v)) identities.push(v);
      else {
        partial = true;
        this.note(r.urn, `${field}[${i}] is ${what(v)} (${SIDE_WORD[side]})`);
      }
    });
    return { identities, partial };
  }

  private read(side: Side): RawSide {
    const states = side === "before" ? this.sides.before : this.sides.after;
    const raw: RawSide = { names: new Map(), currentVersion: new Map(), versionNodes: new Map(), memberships: new Map(), unnamed: new Set() };
    for (const r of states.values()) {
      if (r.type === KIND.profile) {
        const name = prop(r, "name");
        raw.names.set(r.urn, isPlain(name) ? name : r.urn.split("::").pop()!);
        const cur = prop(r, "currentVersionNumber");
        if (typeof cur === "number") raw.currentVersion.set(r.urn, cur);
        // Veza creates a profile with version 1 (the API reference's create answer)
        else if (side === "after" && this.newObject.has(r.urn)) raw.currentVersion.set(r.urn, 1);
      } else if (r.type === KIND.version) {
        const profile = this.profileRef(r, side);
        if (!profile) {
          raw.unnamed.add(r.urn);
          continue;
        }
        const inherit = this.inheritRefs(r, this.value(r, side, "inheritFrom"), side);
        const n = prop(r, "versionNumber");
        const state = prop(r, "state");
        raw.versionNodes.set(r.urn, {
          urn: r.urn,
          profile,
          versionNumber: typeof n === "number" ? n : undefined,
          ...this.entities(r, this.value(r, side, "entities"), side),
          inheritFrom: inherit.keys,
          partial: inherit.partial,
          state: isPlain(state) ? state : undefined,
        });
      } else if (r.type === KIND.membership) {
        const profile = this.profileRef(r, side);
        if (!profile) {
          raw.unnamed.add(r.urn);
          continue;
        }
        const n = prop(r, "versionNumber");
        const list = this.identityList(r, prop(r, "identityIds"), side);
        const managedRaw = prop(r, "managedIdentityIds");
        // older states have no managedIdentityIds: the provider then removes what identityIds lists
        const managed = Array.isArray(managedRaw) ? managedRaw.filter(isPlain) : list.identities;
        raw.memberships.set(r.urn, { urn: r.urn, profile, versionNumber: typeof n === "number" ? n : undefined, ...list, exclusive: prop(r, "exclusive") === true, managed });
      }
    }
    return raw;
  }

  /** The version a membership's calls go to: its number, else the profile's current one on that side. */
  private memberVersion(m: { profile: ProfileKey; versionNumber?: number }, raw: RawSide): number | undefined {
    return m.versionNumber ?? raw.currentVersion.get(m.profile) ?? this.tenant?.profiles.get(m.profile.slice(3))?.currentVersionNumber;
  }

  /**
   * Both sides' graphs. A value one side cannot read (a secret, an unknown with no dependency that
   * settles it) is noted; what it hides is never counted as a gain or a loss: a version's unreadable
   * entities or inheritance are the other side's; a member whose list one side cannot read is left out.
   */
  graphs(): { before: Graph; after: Graph } {
    const before = this.read("before");
    const after = this.read("after");
    this.addTenantProfiles(before, after);
    // deleting an AccessProfileVersion clears its entities and inheritance and leaves the profile;
    // so does the delete half of a replace that moves it to another profile or version
    for (const [urn, b] of before.versionNodes) {
      if (urn.startsWith(TENANT) || !this.persists(b.profile)) continue;
      const cleared = { ...b, entities: [], entitiesPartial: false, inheritFrom: [], partial: false };
      const a = after.versionNodes.get(urn);
      if (!this.sides.after.has(urn)) after.versionNodes.set(urn, cleared);
      else if (a && (a.profile !== b.profile || (a.versionNumber !== undefined && a.versionNumber !== b.versionNumber))) after.versionNodes.set(`${urn}#replaced`, { ...cleared, urn: `${urn}#replaced` });
    }
    // a version whose profile one side cannot name is the other side's, unchanged
    for (const [from, to] of [
      [before, after],
      [after, before],
    ] as const) {
      for (const urn of to.unnamed) {
        const v = from.versionNodes.get(urn);
        if (v) to.versionNodes.set(urn, { ...v });
      }
    }
    const union = <T>(a: T[], b: T[], key: (x: T) => string) => [...new Map([...a, ...b].map((x) => [key(x), x])).values()];
    for (const [urn, a] of after.versionNodes) {
      const b = before.versionNodes.get(urn);
      if (!b) continue;
      if (!a.entities) a.entities = b.entities;
      if (!b.entities) b.entities = a.entities;
      if (a.entitiesPartial && a.entities && b.entities) a.entities = union(a.entities, b.entities, entitlementKey);
      if (b.entitiesPartial && a.entities && b.entities) b.entities = union(b.entities, a.entities, entitlementKey);
      if (a.partial) a.inheritFrom = [...new Set([...a.inheritFrom, ...b.inheritFrom])];
      if (b.partial) b.inheritFrom = [...new Set([...b.inheritFrom, ...a.inheritFrom])];
    }
    for (const raw of [before, after]) for (const v of raw.versionNodes.values()) (this.versionUrns.get(v.profile) ?? this.versionUrns.set(v.profile, new Set()).get(v.profile)!).add(v.urn);
    const lists = this.memberLists(before, after);
    return { before: this.index("before", before, lists.before), after: this.index("after", after, lists.after) };
  }

  /** Profiles Veza has today that the stack does not declare: the same on both sides (--tenant). */
  private addTenantProfiles(before: RawSide, after: RawSide): void {
    if (!this.tenant) return;
    for (const t of this.tenant.profiles.values()) {
      if (this.urnOfId.has(t.id)) continue;
      const key = `id:${t.id}`;
      for (const raw of [before, after]) {
        raw.names.set(key, `${t.name}${OUTSIDE}`);
        if (t.currentVersionNumber !== undefined) raw.currentVersion.set(key, t.currentVersionNumber);
        raw.versionNodes.set(`${TENANT}${t.id}`, {
          urn: `${TENANT}${t.id}`,
          profile: key,
          versionNumber: t.currentVersionNumber,
          entities: t.entities,
          entitiesPartial: false,
          inheritFrom: t.inheritFrom.map((id) => this.keyOfId(id)),
          partial: false,
        });
      }
    }
  }

  /**
   * The member list of every version, before and after. Before: what the old state lists (a
   * version's `members` output, each membership's identityIds), or Veza's list today (--tenant).
   * After: that list, less what a replaced or deleted profile takes with it, with each membership's
   * calls applied as the provider makes them (provider/resources/profile-membership.ts).
   */
  private memberLists(beforeRaw: RawSide, afterRaw: RawSide): { before: MemberLists; after: MemberLists } {
    const before: MemberLists = new Map();
    const slot = (lists: MemberLists, profile: ProfileKey, n: number | undefined, from: string) => {
      const k = versionKey(profile, n);
      let s = lists.get(k);
      if (!s) lists.set(k, (s = { profile, versionNumber: n, members: new Map(), from }));
      return s.members;
    };
    const live = (p: ProfileKey) => {
      const id = p.startsWith("id:") ? p.slice(3) : this.sides.before.get(p)?.id;
      return id ? this.tenant?.profiles.get(id) : undefined;
    };
    // before: Veza's list today when --tenant read it, else the state's
    for (const [urn, v] of beforeRaw.versionNodes) {
      const t = live(v.profile);
      if (t?.members) continue;
      const r = this.sides.before.get(urn);
      if (!r) continue; // a profile outside the stack: from the tenant below
      const listed = this.identityList(r, prop(r, "members"), "before", "members");
      const list = slot(before, v.profile, v.versionNumber ?? beforeRaw.currentVersion.get(v.profile), urn);
      for (const m of listed.identities) list.set(m, "in");
    }
    for (const m of beforeRaw.memberships.values()) {
      if (live(m.profile)?.members) continue;
      const list = slot(before, m.profile, this.memberVersion(m, beforeRaw), m.urn);
      for (const x of m.identities) list.set(x, "in");
    }
    if (this.tenant) {
      for (const t of this.tenant.profiles.values()) {
        if (!t.members) continue;
        const list = slot(before, this.keyOfId(t.id), t.currentVersionNumber, `${TENANT}${t.id}`);
        for (const x of t.members) list.set(x, "in");
      }
    }

    // after: the lists of profiles that stay the same Veza object
    const after: MemberLists = new Map();
    for (const [k, s] of before) if (this.persists(s.profile)) after.set(k, { ...s, members: new Map(s.members) });

    const kind = (urn: string) => {
      const b = beforeRaw.memberships.get(urn);
      const a = afterRaw.memberships.get(urn);
      return { b, a };
    };
    const urns = new Set([...beforeRaw.memberships.keys(), ...afterRaw.memberships.keys(), ...beforeRaw.unnamed, ...afterRaw.unnamed]);
    // phase 1: creates and updates (and the create half of a replace); phase 2: deletes, at the end
    type Call = { urn: string; add: Set<string>; remove: Set<string> | "all-but"; keep?: Set<string>; uncertain: Set<string> | "all" };
    const phase1 = new Map<string, Call[]>();
    const phase2 = new Map<string, Call[]>();
    const push = (phase: Map<string, Call[]>, k: string, c: Call) => phase.set(k, [...(phase.get(k) ?? []), c]);
    for (const urn of urns) {
      // an unchanged membership (a same step, or one only --state shows) makes no call
      const op = this.sides.ops ? (this.sides.ops.get(urn) ?? "same") : "update";
      if (op === "same" || op.startsWith("read") || op.startsWith("refresh")) continue;
      const { b, a } = kind(urn);
      const oldVersion = b ? versionKey(b.profile, this.memberVersion(b, beforeRaw)) : undefined;
      const newVersion = a ? versionKey(a.profile, this.memberVersion(a, afterRaw)) : undefined;
      const oldR = this.sides.before.get(urn);
      const newR = this.sides.after.get(urn);
      if (!a && newR && b) {
        // the new state cannot name its profile: what it does to the old list is not known
        push(phase1, oldVersion!, { urn, add: new Set(), remove: new Set(), uncertain: new Set(b.identities.concat(b.managed)) });
        continue;
      }
      if (!b && oldR && a) {
        // the old state could not name its profile: whoever the new one lists may have held it already
        push(phase1, newVersion!, { urn, add: new Set(), remove: new Set(), uncertain: new Set(a.identities) });
        continue;
      }
      const replaced = b && a && (oldVersion !== newVersion || !this.persists(a.profile) || (isPlain(oldR?.id) && oldR!.id !== newR?.id));
      if (a && (!b || replaced)) {
        // create: ADD the list; exclusive: and REMOVE everyone else
        push(phase1, newVersion!, {
          urn,
          add: new Set(a.identities),
          remove: a.exclusive && !a.partial ? "all-but" : new Set(),
          keep: new Set(a.identities),
          uncertain: a.partial && a.exclusive ? "all" : new Set(),
        });
      }
      if (b && (!a || replaced) && this.persists(b.profile)) {
        // delete: exclusive removes every member at that time; otherwise what it granted
        // (a membership of a replaced or deleted profile goes with the old object)
        push(phase2, oldVersion!, {
          urn,
          add: new Set(),
          remove: b.exclusive && !b.partial ? "all-but" : new Set(b.managed),
          keep: new Set(),
          uncertain: b.partial ? "all" : new Set(),
        });
      }
      if (b && a && !replaced) {
        if (a.exclusive && !b.exclusive) {
          // turning exclusive: it reads the members, and the list becomes exactly the new one
          push(phase1, newVersion!, { urn, add: new Set(a.identities), remove: a.partial ? new Set() : "all-but", keep: new Set(a.identities), uncertain: a.partial || b.partial ? "all" : new Set() });
        } else if (a.exclusive) {
          // staying exclusive: no read; it removes the members it knew of (its last refresh) and no longer lists
          const known = new Set([...b.identities, ...b.managed]);
          const remove = new Set([...known].filter((x) => !a.identities.includes(x)));
          push(phase1, newVersion!, { urn, add: new Set(a.identities.filter((x) => !known.has(x))), remove: a.partial ? new Set() : remove, uncertain: a.partial ? remove : b.partial ? "all" : new Set() });
        } else {
          // ADD what it did not list before; REMOVE what it granted and no longer lists
          const reported = new Set(b.identities);
          const add = new Set(a.identities.filter((x) => !reported.has(x)));
          const remove = new Set(b.managed.filter((x) => !a.identities.includes(x)));
          const uncertain = new Set<string>();
          // a list one side cannot read: its removals, and whether an addition is new, are not known
          if (a.partial) for (const x of remove) uncertain.add(x);
          if (b.partial) {
            const old = before.get(oldVersion!)?.members ?? slot(before, b.profile, this.memberVersion(b, beforeRaw), urn);
            for (const x of add) if (!old.has(x)) old.set(x, "uncertain");
          }
          push(phase1, newVersion!, { urn, add, remove: a.partial ? new Set() : remove, uncertain });
        }
      }
    }
    for (const phase of [phase1, phase2]) {
      for (const [k, calls] of phase) {
        let s = after.get(k);
        if (!s) {
          const [profile, n] = [k.slice(0, k.lastIndexOf("\u0000")), k.slice(k.lastIndexOf("\u0000") + 1)];
          after.set(k, (s = { profile, versionNumber: n === "" ? undefined : Number(n), members: new Map() }));
        }
        s.from ??= calls[0]!.urn;
        this.apply(s.members, calls);
      }
    }
    this.notePublishes(after, beforeRaw, afterRaw);
    this.noteReplacements(before, after, afterRaw);
    return { before, after };
  }

  /**
   * Applies one phase's calls to a member list. Calls of one phase have no order between them: an
   * identity one call adds and another removes is uncertain, and said so.
   */
  private apply(
    list: Map<string, "in" | "uncertain">,
    calls: { urn: string; add: Set<string>; remove: Set<string> | "all-but"; keep?: Set<string>; uncertain: Set<string> | "all" }[],
  ): void {
    const everyone = new Set([...list.keys(), ...calls.flatMap((c) => [...c.add])]);
    for (const x of everyone) {
      const adders = calls.filter((c) => c.add.has(x));
      const removers = calls.filter((c) => (c.remove === "all-but" ? !c.keep!.has(x) : c.remove.has(x)));
      const unsure = calls.some((c) => c.uncertain === "all" || c.uncertain.has(x));
      if (unsure) list.set(x, "uncertain");
      else if (adders.length && removers.length) {
        list.set(x, "uncertain");
        const names = [...new Set([...adders, ...removers].map((c) => c.urn.split("::").pop()))].join(" and ");
        this.note(adders[0]!.urn, `memberships ${names} add and remove "${x}" on the same version in one update, in no fixed order: whether "${x}" holds it afterwards is not known`);
      } else if (adders.length) list.set(x, "in");
      else if (removers.length) list.delete(x);
    }
  }

  /**
   * Publishing another version of a profile: Veza's API reference keeps members per version and does
   * not say what publishing does to the members of the version it replaces (they may keep it, move
   * to the new one, or lose the profile). Not assumed: their holding is uncertain, and said so.
   */
  private notePublishes(after: MemberLists, beforeRaw: RawSide, afterRaw: RawSide): void {
    // version resources that publish a numbered version, by profile (one pass)
    const published = new Map<ProfileKey, VersionNode[]>();
    for (const v of afterRaw.versionNodes.values()) if (v.state === "PUBLISHED" && v.versionNumber !== undefined) published.set(v.profile, [...(published.get(v.profile) ?? []), v]);
    for (const [p, oldN] of beforeRaw.currentVersion) {
      if (!this.persists(p)) continue;
      let newN = afterRaw.currentVersion.get(p);
      let urn = p;
      for (const v of published.get(p) ?? []) if (v.versionNumber !== oldN) [newN, urn] = [v.versionNumber!, v.urn];
      if (newN === undefined || newN === oldN) continue;
      const s = after.get(versionKey(p, oldN));
      const members = s ? [...s.members].filter(([, st]) => st === "in").map(([x]) => x) : [];
      if (!members.length) continue;
      const next = after.get(versionKey(p, newN)) ?? after.set(versionKey(p, newN), { profile: p, versionNumber: newN, members: new Map(), from: urn }).get(versionKey(p, newN))!;
      for (const x of members) {
        s!.members.set(x, "uncertain");
        if (next.members.get(x) !== "in") next.members.set(x, "uncertain");
      }
      const name = afterRaw.names.get(p) ?? p;
      this.note(
        urn,
        `version ${newN} of "${name}" is published: Veza's API reference does not say what publishing does to the ${members.length} member(s) of version ${oldN} (kept on version ${oldN}, moved to version ${newN}, or removed), so their changes through "${name}" are not counted`,
      );
    }
  }

  /** Lists each replaced profile: its old members lose it unless re-granted, and inheritors lose it for a while. */
  private noteReplacements(before: MemberLists, after: MemberLists, afterRaw: RawSide): void {
    for (const urn of this.newObject) {
      if (!this.sides.before.has(urn)) continue; // created, not replaced
      const held = new Set<string>();
      for (const s of before.values()) if (s.profile === urn) for (const [x, st] of s.members) if (st === "in") held.add(x);
      const regranted = new Set<string>();
      for (const s of after.values()) if (s.profile === urn) for (const [x, st] of s.members) if (st === "in") regranted.add(x);
      const inheritedBy = [...afterRaw.versionNodes.values()].filter((v) => v.inheritFrom.includes(urn) && v.profile !== urn).map((v) => afterRaw.names.get(v.profile) ?? v.profile);
      this.replacements.push({
        urn,
        profile: afterRaw.names.get(urn) ?? urn.split("::").pop()!,
        dropped: [...held].filter((x) => !regranted.has(x)).sort(),
        regranted: [...regranted].sort(),
        inheritedBy: [...new Set(inheritedBy)].sort(),
      });
    }
  }

  /** Who holds what: every "in" of every member list. */
  private index(side: Side, raw: RawSide, lists: MemberLists): Graph {
    const g: Graph = { side, names: raw.names, currentVersion: raw.currentVersion, versions: new Map(), holdings: new Map(), maybe: new Map() };
    for (const v of raw.versionNodes.values()) {
      const list = g.versions.get(v.profile) ?? [];
      list.push(v);
      g.versions.set(v.profile, list);
    }
    for (const s of lists.values()) {
      for (const [identity, st] of s.members) {
        const into = st === "in" ? g.holdings : g.maybe;
        const list = into.get(identity) ?? [];
        list.push({ profile: s.profile, versionNumber: s.versionNumber, from: s.from });
        into.set(identity, list);
      }
    }
    return g;
  }
}
