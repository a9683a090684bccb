/**
 * The two sides of a preview read as graphs, the way Veza keeps them: profiles, the versions that
 * say what each grants, and ONE member list per (profile, version), shared by every
 * ProfileMembership of that version and by members granted in Veza itself (access requests, the UI).
 *
 * The old member list is what the old state (or, with --tenant, Veza today) lists. The new list
 * applies to it the calls `pulumi up` makes, in the order the engine makes them (members.ts): creates
 * and updates first (the provider's ADD and REMOVE of each membership), then deletes, the delete
 * halves of create-before-delete replacements included, at the end. A replaced profile is a new Veza
 * object (the provider deletes the old one first): its versions start with no member but those its
 * memberships add. Which identities end up on a
 * list is "in", "out" or, when the input does not settle it (a secret list, two memberships whose
 * calls contradict each other with no order between them), uncertain: an uncertain holding may or
 * may not be there (Graph.maybe), so only what holds either way is counted, and the reason is reported.
 */
import { UNKNOWN, vezaKind, type ResourceV3, type Sides } from "./input";
import { memberLists } from "./members";
import { isPlain, nameOf, prop, TENANT, versionKey, what } from "./values";

export interface Entitlement {
  entityType: string;
  datasourceId: string;
  entityId: string;
}

export interface Unresolved {
  urn: string;
  reason: string;
}

/** The kinds the impact reads (`vezaKind` of a resource's type: a dynamic resource's or the plugin's). */
export const KIND = {
  profile: "AccessProfile",
  version: "AccessProfileVersion",
  membership: "ProfileMembership",
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

/** A version walked from: held, or reached through inheritance. */
export interface VersionRef {
  profile: ProfileKey;
  versionNumber?: number;
  /** The resource that says so (named when what the version grants is not known). */
  from?: string;
}

/** A version an identity holds: it is on that version's member list. */
export interface Holding extends VersionRef {
  /**
   * The stack's memberships of that version (on that side) that list the identity, by logical name;
   * none (and no unreadable one): the identity is on Veza's list (the old state's `members`, or
   * --tenant) without one, i.e. it was granted in Veza (an access request, the UI). Veza keeps one
   * list, so a membership that lists an identity is what keeps it there: deleting it REMOVEs the
   * identity either way.
   */
  memberships: readonly string[];
  /** Memberships of that version whose identity list cannot be read (a secret): they may list it too. */
  unreadable: readonly string[];
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

/** The label of a profile outside the stack, as every format prints it. */
export const OUTSIDE = " (outside the stack)";

export interface MembershipNode {
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
export interface RawSide {
  names: Map<ProfileKey, string>;
  currentVersion: Map<ProfileKey, number>;
  versionNodes: Map<string, VersionNode>;
  memberships: Map<string, MembershipNode>;
  /** Versions and memberships whose profile this side cannot name (noted). */
  unnamed: Set<string>;
}

/** An empty list shared by holdings that name no membership (never written to). */
const NONE: readonly string[] = Object.freeze([]) as readonly string[];

/** Per version: who is on its member list. "uncertain": the input does not settle it. */
export type MemberLists = Map<
  string,
  { profile: ProfileKey; versionNumber?: number; members: Map<string, "in" | "uncertain">; from?: string }
>;

export class GraphReader {
  readonly unresolved = new Map<string, Unresolved>();
  readonly replacements: Replacement[] = [];
  /** Every AccessProfile URN in the input, and the Veza id -> URN of those whose id is known. */
  private readonly profileUrns = new Set<string>();
  private readonly urnOfId = new Map<string, string>();
  /** Profile URNs whose Veza object the preview replaces (a new id) or creates. */
  readonly newObject = new Set<string>();
  /** Per profile, the URNs of its version resources on either side. */
  private readonly versionUrns = new Map<ProfileKey, Set<string>>();

  constructor(
    readonly sides: Sides,
    readonly tenant?: TenantView,
  ) {
    for (const side of [sides.before, sides.after]) {
      for (const r of side.values()) {
        if (vezaKind(r.type) !== KIND.profile) continue;
        this.profileUrns.add(r.urn);
        if (isPlain(r.id) && r.id !== "") this.urnOfId.set(r.id, r.urn);
      }
    }
    for (const [urn, r] of sides.after) {
      if (vezaKind(r.type) !== KIND.profile) continue;
      const old = sides.before.get(urn);
      // a replace's new state has no id yet (or a new one)
      if (!old || !isPlain(old.id) || old.id !== r.id) this.newObject.add(urn);
    }
  }

  note(urn: string, reason: string): void {
    const key = `${urn}\u0000${reason}`;
    if (!this.unresolved.has(key)) this.unresolved.set(key, { urn, reason });
  }

  keyOfId(id: string): ProfileKey {
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
  persists(p: ProfileKey): boolean {
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
      this.note(
        r.urn,
        `accessProfileId is unknown in the preview and its propertyDependencies name ${deps.length} AccessProfiles, not one (${SIDE_WORD[side]})`,
      );
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
      if (rest.length === unknowns) for (const u of rest) keys.add(u);
      else {
        this.note(
          r.urn,
          `inheritFrom has ${unknowns} value(s) unknown in the preview and propertyDependencies.inheritFrom names ${rest.length} other AccessProfile(s) (${SIDE_WORD[side]})`,
        );
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

  identityList(r: ResourceV3, value: unknown, side: Side, field = "identityIds"): { identities: string[]; partial: boolean } {
    if (value === undefined || value === null) return { identities: [], partial: false };
    if (!Array.isArray(value)) {
      this.note(
        r.urn,
        `${field} is ${what(value)} (${SIDE_WORD[side]}): who holds this profile cannot be listed, and no change of its holders is counted`,
      );
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
    const raw: RawSide = {
      names: new Map(),
      currentVersion: new Map(),
      versionNodes: new Map(),
      memberships: new Map(),
      unnamed: new Set(),
    };
    for (const r of states.values()) {
      const kind = vezaKind(r.type);
      if (kind === KIND.profile) {
        const name = prop(r, "name");
        raw.names.set(r.urn, isPlain(name) ? name : nameOf(r.urn));
        const cur = prop(r, "currentVersionNumber");
        if (typeof cur === "number") raw.currentVersion.set(r.urn, cur);
        // Veza creates a profile with version 1 (the API reference's create answer)
        else if (side === "after" && this.newObject.has(r.urn)) raw.currentVersion.set(r.urn, 1);
      } else if (kind === KIND.version) {
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
      } else if (kind === KIND.membership) {
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
        raw.memberships.set(r.urn, {
          urn: r.urn,
          profile,
          versionNumber: typeof n === "number" ? n : undefined,
          ...list,
          exclusive: prop(r, "exclusive") === true,
          managed,
        });
      }
    }
    return raw;
  }

  /** The version a membership's calls go to: its number, else the profile's current one on that side. */
  memberVersion(m: { profile: ProfileKey; versionNumber?: number }, raw: RawSide): number | undefined {
    return m.versionNumber ?? raw.currentVersion.get(m.profile) ?? this.tenant?.profiles.get(m.profile.slice(3))?.currentVersionNumber;
  }

  /**
   * Both sides' graphs. A value one side cannot read (a secret, an unknown with no dependency that
   * settles it) is noted; what it hides is never counted as a gain or a loss: a version's unreadable
   * entities or inheritance are the other side's; a member whose list one side cannot read is uncertain.
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
      else if (a && (a.profile !== b.profile || (a.versionNumber !== undefined && a.versionNumber !== b.versionNumber)))
        after.versionNodes.set(`${urn}#replaced`, { ...cleared, urn: `${urn}#replaced` });
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
    for (const raw of [before, after])
      for (const v of raw.versionNodes.values())
        (this.versionUrns.get(v.profile) ?? this.versionUrns.set(v.profile, new Set()).get(v.profile)!).add(v.urn);
    const lists = memberLists(this, before, after);
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

  /** Who holds what: every "in" of every member list. */
  private index(side: Side, raw: RawSide, lists: MemberLists): Graph {
    const g: Graph = {
      side,
      names: raw.names,
      currentVersion: raw.currentVersion,
      versions: new Map(),
      holdings: new Map(),
      maybe: new Map(),
    };
    for (const v of raw.versionNodes.values()) {
      const list = g.versions.get(v.profile) ?? [];
      list.push(v);
      g.versions.set(v.profile, list);
    }
    // per member list, who the side's memberships list, and by which (a holding's source): built
    // once per list, and shared by its holdings (a preview of 10,000 profiles has 50,000 of them)
    const listed = new Map<string, { by: Map<string, string[]>; unreadable: string[] }>();
    for (const m of raw.memberships.values()) {
      const k = versionKey(m.profile, this.memberVersion(m, raw));
      const of = listed.get(k) ?? listed.set(k, { by: new Map(), unreadable: [] }).get(k)!;
      const name = nameOf(m.urn);
      if (m.partial) of.unreadable.push(name);
      // an exclusive membership's state lists every member it read; it grants only what it manages
      for (const x of m.exclusive ? m.identities.filter((y) => m.managed.includes(y)) : m.identities) {
        const by = of.by.get(x);
        if (!by) of.by.set(x, [name]);
        else if (!by.includes(name)) by.push(name);
      }
    }
    for (const of of listed.values()) {
      for (const by of of.by.values()) if (by.length > 1) by.sort();
      of.unreadable = [...new Set(of.unreadable)].sort();
    }
    for (const [k, s] of lists) {
      const of = listed.get(k);
      const unreadable = of?.unreadable ?? NONE;
      for (const [identity, st] of s.members) {
        const into = st === "in" ? g.holdings : g.maybe;
        const list = into.get(identity);
        const holding = {
          profile: s.profile,
          versionNumber: s.versionNumber,
          from: s.from,
          memberships: of?.by.get(identity) ?? NONE,
          unreadable,
        };
        if (list) list.push(holding);
        else into.set(identity, [holding]);
      }
    }
    return g;
  }
}
