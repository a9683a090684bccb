/**
 * Who gains and who loses access: the stack before the preview and after it, read as a graph.
 *
 * An identity holds a profile's version through a ProfileMembership (or as a member Veza lists on the
 * version, its `members` output); a version grants its `entities`
 * and, through `inheritFrom`, everything the current versions of those profiles grant (transitively;
 * a cycle is reported and walked once). An identity's entitlements are everything reachable from the
 * versions it holds; gains are the entitlements after that were not there before, with the shortest
 * path that grants them (`via`, by profile name), losses the reverse. What cannot be read (a secret, an
 * unknown value with no dependency that settles it, a profile whose grants the input does not hold)
 * is listed as unresolved with the resource's URN and why, never guessed.
 */
import { SECRET, UNKNOWN, VEZA_TYPE_PREFIX, type ResourceV3, type Sides } from "./input";

export interface Entitlement {
  entityType: string;
  datasourceId: string;
  entityId: string;
}
/** An entitlement and the profiles that grant it: the one held first, the one whose version lists it last. */
export interface Grant extends Entitlement {
  via: string[];
}
export interface IdentityImpact {
  identity: string;
  gains: Grant[];
  losses: Grant[];
}
export interface ProfileImpact {
  profile: string;
  gains: Grant[];
  losses: Grant[];
}
export interface Unresolved {
  urn: string;
  reason: string;
}
/** The document `--format json` prints (exactly these keys). */
export interface ImpactReport {
  identities: IdentityImpact[];
  profiles: ProfileImpact[];
  unresolved: Unresolved[];
}
/** What the Markdown graph draws besides the report: inheritance edges that appear or go. */
export interface InheritanceEdge {
  from: string;
  to: string;
  change: "added" | "removed" | "kept";
}
export interface Impact {
  report: ImpactReport;
  /** Edges between profiles whose grants change (and the profiles on their paths), by profile name. */
  edges: InheritanceEdge[];
  /** Per profile name, the entities its own version adds and removes (not inherited ones). */
  ownChanges: Map<string, { added: Entitlement[]; removed: Entitlement[] }>;
  warnings: string[];
}

const KIND = {
  profile: `${VEZA_TYPE_PREFIX}AccessProfile`,
  version: `${VEZA_TYPE_PREFIX}AccessProfileVersion`,
  membership: `${VEZA_TYPE_PREFIX}ProfileMembership`,
};

type Side = "before" | "after";
const SIDE_WORD: Record<Side, string> = { before: "old state", after: "new state" };

/** A profile is known by its URN when the input declares it, else by `id:<Veza id>`. */
type ProfileKey = string;

interface VersionNode {
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
}

interface Holding {
  profile: ProfileKey;
  versionNumber?: number;
  /** The membership that holds it (named when its grants are unknown). */
  from?: string;
}

interface Graph {
  side: Side;
  names: Map<ProfileKey, string>;
  currentVersion: Map<ProfileKey, number>;
  versions: Map<ProfileKey, VersionNode[]>;
  /** identity -> the versions it holds */
  holdings: Map<string, Holding[]>;
}

export const entitlementKey = (e: Entitlement) => `${e.entityType}\u0000${e.datasourceId}\u0000${e.entityId}`;

const isPlain = (v: unknown): v is string => typeof v === "string" && v !== UNKNOWN && v !== SECRET;
const what = (v: unknown) => (v === SECRET ? "a secret ([secret])" : v === UNKNOWN ? "unknown in the preview" : `not a string (${JSON.stringify(v)})`);

/** A property of a resource state: its output, else its input (a preview's new state of an update has only inputs). */
function prop(r: ResourceV3, key: string): unknown {
  if (r.outputs && key in r.outputs) return r.outputs[key];
  return r.inputs?.[key];
}

class Analysis {
  readonly unresolved = new Map<string, Unresolved>();
  /** Every AccessProfile URN in the input, and the Veza id -> URN of those whose id is known. */
  private readonly profileUrns = new Set<string>();
  private readonly urnOfId = new Map<string, string>();

  constructor(private readonly sides: Sides) {
    for (const side of [sides.before, sides.after]) {
      for (const r of side.values()) {
        if (r.type !== KIND.profile) continue;
        this.profileUrns.add(r.urn);
        if (isPlain(r.id) && r.id !== "") this.urnOfId.set(r.id, r.urn);
      }
    }
  }

  note(urn: string, reason: string): void {
    const key = `${urn}\u0000${reason}`;
    if (!this.unresolved.has(key)) this.unresolved.set(key, { urn, reason });
  }

  private keyOfId(id: string): ProfileKey {
    return this.urnOfId.get(id) ?? `id:${id}`;
  }

  /** The profiles a property's unknown values stand for: its propertyDependencies that are AccessProfiles. */
  private dependedProfiles(r: ResourceV3, key: string): string[] {
    const deps = r.propertyDependencies?.[key] ?? [];
    return [...new Set(deps)].filter((u) => this.profileUrns.has(u));
  }

  /** `accessProfileId` of a version or membership. */
  profileRef(r: ResourceV3, side: Side): ProfileKey | undefined {
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
  inheritRefs(r: ResourceV3, value: unknown, side: Side): { keys: ProfileKey[]; partial: boolean } {
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

  entities(r: ResourceV3, value: unknown, side: Side): { entities?: Entitlement[]; entitiesPartial: boolean } {
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

  /**
   * Both sides' graphs. A value one side cannot read (a secret, an unknown with no dependency that
   * settles it) is noted; what it hides is never counted as a gain or a loss: a version's unreadable
   * entities or inheritance are the other side's, a membership's holders only those both sides name.
   */
  graphs(): { before: Graph; after: Graph } {
    const before = this.read("before");
    const after = this.read("after");
    // deleting an AccessProfileVersion clears its entities and inheritance and leaves the profile
    for (const [urn, b] of before.versionNodes) {
      const profileStays = b.profile.startsWith("id:") || this.sides.after.has(b.profile);
      if (!this.sides.after.has(urn) && profileStays) after.versionNodes.set(urn, { ...b, entities: [], entitiesPartial: false, inheritFrom: [], partial: false });
    }
    // a version whose profile one side cannot name is the other side's, unchanged; a membership
    // whose profile one side cannot name says nothing certain about its holders on either side
    for (const [from, to] of [
      [before, after],
      [after, before],
    ] as const) {
      for (const urn of to.unnamed) {
        const v = from.versionNodes.get(urn);
        if (v) to.versionNodes.set(urn, { ...v });
        from.memberships.delete(urn);
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
    // identities one side cannot read: only those both sides name are certain holders (on both)
    for (const [urn, a] of after.memberships) {
      const b = before.memberships.get(urn);
      if (!b) continue;
      if (a.partial) b.identities = b.identities.filter((x) => a.identities.includes(x));
      if (b.partial) a.identities = a.identities.filter((x) => b.identities.includes(x));
    }
    const g = { before: this.index("before", before), after: this.index("after", after) };
    this.versionMembers(before, g.before, g.after, after);
    return g;
  }

  /**
   * Identities Veza lists as members of a version (the version's read-only `members` output, as last
   * read by an up or refresh) hold it too, also when no ProfileMembership of the stack grants them
   * (access requests, grants made in Veza). They keep it after the change unless a membership of the
   * stack removes them (an exclusive one: everyone not on its list) or the profile is deleted.
   */
  private versionMembers(beforeRaw: RawSide, before: Graph, after: Graph, afterRaw: RawSide): void {
    // who holds each profile through a membership, per side (one pass over the holdings)
    const byProfile = (g: Graph) => {
      const out = new Map<ProfileKey, Set<string>>();
      for (const [identity, hs] of g.holdings) for (const h of hs) (out.get(h.profile) ?? out.set(h.profile, new Set()).get(h.profile)!).add(identity);
      return out;
    };
    const heldBefore = byProfile(before);
    const heldAfter = byProfile(after);
    // a membership whose list one side cannot read may add or remove any member of its profile
    const uncertain = new Set([...beforeRaw.memberships.values(), ...afterRaw.memberships.values()].filter((m) => m.partial).map((m) => m.profile));
    const exclusiveAfter = new Map<ProfileKey, MembershipNode[]>();
    for (const m of afterRaw.memberships.values()) if (m.exclusive) exclusiveAfter.set(m.profile, [...(exclusiveAfter.get(m.profile) ?? []), m]);
    const additions: [Graph, string, Holding][] = [];
    for (const [urn, v] of beforeRaw.versionNodes) {
      const listed = prop(this.sides.before.get(urn)!, "members");
      if (!Array.isArray(listed) || listed.length === 0) continue;
      if (uncertain.has(v.profile)) continue;
      const members = listed.filter(isPlain);
      const holding: Holding = { profile: v.profile, versionNumber: v.versionNumber, from: urn };
      for (const m of members) additions.push([before, m, holding]);
      if (!v.profile.startsWith("id:") && !this.sides.after.has(v.profile)) continue; // the profile is deleted
      const had = heldBefore.get(v.profile);
      const has = heldAfter.get(v.profile);
      const exclusive = exclusiveAfter.get(v.profile) ?? [];
      for (const m of members) {
        if (had?.has(m) && !has?.has(m)) continue; // a membership of the stack removes it
        if (exclusive.length && !exclusive.some((x) => x.identities.includes(m))) continue;
        additions.push([after, m, holding]);
      }
    }
    for (const [g, identity, h] of additions) {
      const list = g.holdings.get(identity) ?? [];
      list.push(h);
      g.holdings.set(identity, list);
    }
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
      } else if (r.type === KIND.version) {
        const profile = this.profileRef(r, side);
        if (!profile) {
          raw.unnamed.add(r.urn);
          continue;
        }
        const inherit = this.inheritRefs(r, this.value(r, side, "inheritFrom"), side);
        const n = prop(r, "versionNumber");
        raw.versionNodes.set(r.urn, {
          urn: r.urn,
          profile,
          versionNumber: typeof n === "number" ? n : undefined,
          ...this.entities(r, this.value(r, side, "entities"), side),
          inheritFrom: inherit.keys,
          partial: inherit.partial,
        });
      } else if (r.type === KIND.membership) {
        const profile = this.profileRef(r, side);
        if (!profile) {
          raw.unnamed.add(r.urn);
          continue;
        }
        const n = prop(r, "versionNumber");
        const list = this.identityList(r, prop(r, "identityIds"), side);
        raw.memberships.set(r.urn, { urn: r.urn, profile, versionNumber: typeof n === "number" ? n : undefined, ...list, exclusive: prop(r, "exclusive") === true });
      }
    }
    return raw;
  }

  /**
   * Who holds what. After the change, a non-exclusive membership also keeps the members it did not
   * grant itself (it never removes those; see ProfileMembership's managedIdentityIds), also when it
   * is deleted; an exclusive one's list is the whole membership.
   */
  private index(side: Side, raw: RawSide): Graph {
    const g: Graph = { side, names: raw.names, currentVersion: raw.currentVersion, versions: new Map(), holdings: new Map() };
    for (const v of raw.versionNodes.values()) {
      const list = g.versions.get(v.profile) ?? [];
      list.push(v);
      g.versions.set(v.profile, list);
    }
    const hold = (identity: string, m: MembershipNode) => {
      const list = g.holdings.get(identity) ?? [];
      list.push({ profile: m.profile, versionNumber: m.versionNumber, from: m.urn });
      g.holdings.set(identity, list);
    };
    for (const m of raw.memberships.values()) {
      const kept = side === "after" && !m.exclusive ? this.keptOnRemoval(m.urn) : [];
      for (const identity of new Set([...m.identities, ...kept])) hold(identity, m);
    }
    if (side === "after") {
      for (const [urn, old] of this.sides.before) {
        if (old.type !== KIND.membership || this.sides.after.has(urn) || prop(old, "exclusive") === true) continue;
        const profile = this.profileRef(old, "before");
        if (!profile) continue;
        const n = prop(old, "versionNumber");
        const m: MembershipNode = { urn, profile, versionNumber: typeof n === "number" ? n : undefined, identities: [], partial: false, exclusive: false };
        for (const identity of this.keptOnRemoval(urn)) hold(identity, m);
      }
    }
    return g;
  }

  private identityList(r: ResourceV3, value: unknown, side: Side): { identities: string[]; partial: boolean } {
    if (value === undefined || value === null) return { identities: [], partial: false };
    if (!Array.isArray(value)) {
      this.note(r.urn, `identityIds is ${what(value)} (${SIDE_WORD[side]}): who holds this profile cannot be listed, and no change of its holders is counted`);
      return { identities: [], partial: true };
    }
    const identities: string[] = [];
    let partial = false;
    value.forEach((v, i) => {
      if (isPlain(v)) identities.push(v);
      else {
        partial = true;
        this.note(r.urn, `identityIds[${i}] is ${what(v)} (${SIDE_WORD[side]})`);
      }
    });
    return { identities, partial };
  }

  /** Members of the old membership `urn` that shrinking or removing it (non-exclusive) leaves in place. */
  private keptOnRemoval(urn: string): string[] {
    const old = this.sides.before.get(urn);
    if (!old) return [];
    const before = this.identityList(old, prop(old, "identityIds"), "before").identities;
    const managedRaw = prop(old, "managedIdentityIds");
    const managed = new Set(Array.isArray(managedRaw) ? managedRaw.filter(isPlain) : before);
    return before.filter((m) => !managed.has(m));
  }
}

interface MembershipNode {
  urn: string;
  profile: ProfileKey;
  versionNumber?: number;
  identities: string[];
  /** Some identities could not be read (reported). */
  partial: boolean;
  exclusive: boolean;
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

/** The version resource that says what a held version grants, if the input has one. */
function versionOf(g: Graph, profile: ProfileKey, versionNumber?: number): VersionNode | undefined {
  const list = g.versions.get(profile);
  if (!list) return undefined;
  const wanted = versionNumber ?? g.currentVersion.get(profile);
  if (wanted !== undefined) {
    const exact = list.find((v) => v.versionNumber === wanted);
    if (exact) return exact;
  }
  // a version resource that names no number manages the profile's current version
  const current = list.find((v) => v.versionNumber === undefined);
  if (current && (versionNumber === undefined || versionNumber === g.currentVersion.get(profile) || !g.currentVersion.has(profile))) return current;
  if (versionNumber === undefined && list.length === 1) return list[0];
  return undefined;
}

interface Reach {
  grants: Map<string, { e: Entitlement; path: ProfileKey[] }>;
  /** Profiles reached whose grants the input does not hold, and the URN that reaches them. */
  opaque: Map<ProfileKey, string>;
  profiles: Set<ProfileKey>;
}

/** Breadth-first from the held versions: the first path that reaches an entitlement is a shortest one. */
function reach(g: Graph, starts: Holding[]): Reach {
  const out: Reach = emptyReach();
  const queue: { h: Holding; path: ProfileKey[] }[] = [];
  for (const h of starts) {
    if (out.profiles.has(h.profile)) continue;
    out.profiles.add(h.profile);
    queue.push({ h, path: [h.profile] });
  }
  for (let i = 0; i < queue.length; i++) {
    const { h, path } = queue[i]!;
    const v = versionOf(g, h.profile, h.versionNumber);
    if (!v || !v.entities) {
      out.opaque.set(h.profile, v?.urn ?? h.from ?? h.profile);
      if (!v) continue;
    }
    for (const e of v.entities ?? []) {
      const k = entitlementKey(e);
      if (!out.grants.has(k)) out.grants.set(k, { e, path });
    }
    for (const q of v.inheritFrom) {
      if (out.profiles.has(q)) continue; // a cycle or a diamond: walked once
      out.profiles.add(q);
      queue.push({ h: { profile: q, from: v.urn }, path: [...path, q] });
    }
  }
  return out;
}

/** Inheritance cycles of a side, each once, as profile keys (first repeated at the end). */
function cycles(g: Graph): ProfileKey[][] {
  const found: ProfileKey[][] = [];
  const seen = new Set<string>();
  const state = new Map<ProfileKey, 1 | 2>(); // 1: on the stack, 2: done
  const stack: ProfileKey[] = [];
  const edges = (p: ProfileKey) => versionOf(g, p)?.inheritFrom ?? [];
  for (const start of g.versions.keys()) {
    if (state.has(start)) continue;
    // iterative DFS: [node, next edge index]
    const work: [ProfileKey, number][] = [[start, 0]];
    state.set(start, 1);
    stack.push(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const next = edges(top[0])[top[1]++];
      if (next === undefined) {
        state.set(top[0], 2);
        stack.pop();
        work.pop();
        continue;
      }
      const s = state.get(next);
      if (s === 1) {
        const cyc = stack.slice(stack.indexOf(next));
        const id = [...cyc].sort().join("\u0000");
        if (!seen.has(id)) {
          seen.add(id);
          found.push([...cyc, next]);
        }
      } else if (s === undefined) {
        state.set(next, 1);
        stack.push(next);
        work.push([next, 0]);
      }
    }
  }
  return found;
}

const byEntitlement = (a: Entitlement, b: Entitlement) =>
  a.entityType.localeCompare(b.entityType) || a.datasourceId.localeCompare(b.datasourceId) || a.entityId.localeCompare(b.entityId);

function grantOf(e: Entitlement, path: ProfileKey[], g: Graph): Grant {
  return { entityType: e.entityType, datasourceId: e.datasourceId, entityId: e.entityId, via: path.map((p) => label(g, p)) };
}

function label(g: Graph, p: ProfileKey): string {
  return g.names.get(p) ?? (p.startsWith("id:") ? p.slice(3) : p.split("::").pop()!);
}

function difference(from: Reach, to: Reach, g: Graph): Grant[] {
  const out: Grant[] = [];
  for (const [k, { e, path }] of from.grants) if (!to.grants.has(k)) out.push(grantOf(e, path, g));
  return out.sort(byEntitlement);
}

/** Memoized reach per holding set (identities holding the same versions share one walk). */
function reacher(g: Graph): (hs: Holding[]) => Reach {
  const memo = new Map<string, Reach>();
  return (hs) => {
    const sorted = [...hs].sort((a, b) => label(g, a.profile).localeCompare(label(g, b.profile)) || a.profile.localeCompare(b.profile));
    const key = sorted.map((h) => `${h.profile}@${h.versionNumber ?? ""}`).join("\n");
    let r = memo.get(key);
    if (!r) memo.set(key, (r = reach(g, sorted)));
    return r;
  };
}

/** The impact of going from `sides.before` to `sides.after`. */
export function analyse(sides: Sides): Impact {
  const a = new Analysis(sides);
  const { before, after } = a.graphs();
  const warnings: string[] = [];

  // cycles: reported (with the version that closes them), never looped
  const reported = new Set<string>();
  for (const g of [after, before]) {
    for (const cyc of cycles(g)) {
      const id = [...cyc.slice(1)].sort().join("\u0000");
      if (reported.has(id)) continue;
      reported.add(id);
      const closing = versionOf(g, cyc[cyc.length - 2]!)!;
      a.note(closing.urn, `inheritance cycle in the ${SIDE_WORD[g.side]}: ${cyc.map((p) => label(g, p)).join(" → ")}; each profile on it is walked once`);
    }
  }

  const reachBefore = reacher(before);
  const reachAfter = reacher(after);
  const noteOpaque = (r: Reach, other: Reach, g: Graph) => {
    for (const [p, urn] of r.opaque) {
      if (other.opaque.has(p)) continue; // the same unknown on both sides: no change comes from it
      const why = versionOf(g, p) ? "its version's entities cannot be read" : "the input has no AccessProfileVersion for it (use --show-sames or --state)";
      a.note(urn, `what profile "${label(g, p)}" grants is not known (${SIDE_WORD[g.side]}): ${why}; gains and losses through it are not listed`);
    }
  };

  const identities: IdentityImpact[] = [];
  const everyone = [...new Set([...before.holdings.keys(), ...after.holdings.keys()])].sort();
  for (const identity of everyone) {
    const rb = reachBefore(before.holdings.get(identity) ?? []);
    const ra = reachAfter(after.holdings.get(identity) ?? []);
    noteOpaque(ra, rb, after);
    noteOpaque(rb, ra, before);
    const gains = difference(ra, rb, after);
    const losses = difference(rb, ra, before);
    if (gains.length || losses.length) identities.push({ identity, gains, losses });
  }

  // per profile: what it (transitively) gains and loses
  const profiles: ProfileImpact[] = [];
  const changed = new Set<ProfileKey>();
  const allProfiles = new Set<ProfileKey>([...before.versions.keys(), ...after.versions.keys()]);
  for (const p of allProfiles) {
    const rb = before.versions.has(p) ? reachBefore([{ profile: p }]) : emptyReach();
    const ra = after.versions.has(p) ? reachAfter([{ profile: p }]) : emptyReach();
    const gains = difference(ra, rb, after);
    const losses = difference(rb, ra, before);
    if (gains.length || losses.length) {
      changed.add(p);
      profiles.push({ profile: label(after.names.has(p) ? after : before, p), gains, losses });
    }
  }
  profiles.sort((x, y) => x.profile.localeCompare(y.profile));

  if (sides.errors > 0) {
    warnings.push(`the preview reported ${sides.errors} error(s) (see its diagnostics): it stops at the first failure, so these steps may not be the whole change`);
  }
  // a stack that existed, shown without its unchanged resources (a new stack has none to show): the
  // changeSummary says how many the preview did not show; without one, no same step at all is the sign
  const hidden = sides.hiddenSames;
  if (hidden === undefined ? sides.existing > 0 && sides.sames === 0 : hidden > 0) {
    const what = hidden ? `counts ${hidden} more \`same\` step${hidden === 1 ? "" : "s"} than it shows` : "has no `same` steps";
    warnings.push(
      `the preview ${what}: run \`pulumi preview --json --show-sames\` (or pass --state with \`pulumi stack export\`), or unchanged memberships and versions are missing and their holders' changes are not listed`,
    );
  }

  return {
    report: { identities, profiles, unresolved: [...a.unresolved.values()].sort((x, y) => x.urn.localeCompare(y.urn) || x.reason.localeCompare(y.reason)) },
    ...graphChanges(before, after, changed),
    warnings,
  };
}

function emptyReach(): Reach {
  return { grants: new Map(), opaque: new Map(), profiles: new Set() };
}

/** The inheritance edges and own entity changes among the changed profiles and the profiles on their paths. */
function graphChanges(before: Graph, after: Graph, changed: Set<ProfileKey>): Pick<Impact, "edges" | "ownChanges"> {
  const names = (p: ProfileKey) => label(after.names.has(p) ? after : before, p);
  const inherits = (g: Graph, p: ProfileKey) => new Set(versionOf(g, p)?.inheritFrom ?? []);
  const edges: InheritanceEdge[] = [];
  const ownChanges: Impact["ownChanges"] = new Map();
  for (const p of changed) {
    const b = inherits(before, p);
    const a = inherits(after, p);
    for (const q of a) {
      // a kept edge matters only when what it leads to changes
      if (!b.has(q)) edges.push({ from: names(p), to: names(q), change: "added" });
      else if (changed.has(q)) edges.push({ from: names(p), to: names(q), change: "kept" });
    }
    for (const q of b) if (!a.has(q)) edges.push({ from: names(p), to: names(q), change: "removed" });
    const eb = new Map((versionOf(before, p)?.entities ?? []).map((e) => [entitlementKey(e), e]));
    const ea = new Map((versionOf(after, p)?.entities ?? []).map((e) => [entitlementKey(e), e]));
    const added = [...ea].filter(([k]) => !eb.has(k)).map(([, e]) => e);
    const removed = [...eb].filter(([k]) => !ea.has(k)).map(([, e]) => e);
    if (added.length || removed.length) ownChanges.set(names(p), { added: added.sort(byEntitlement), removed: removed.sort(byEntitlement) });
  }
  return { edges, ownChanges };
}
