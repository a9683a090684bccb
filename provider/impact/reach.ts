/**
 * What a side's graph grants: from the versions an identity holds, breadth-first through
 * inheritance (the first path that reaches an entitlement is a shortest one), each profile walked
 * once (a cycle or a diamond); and which profiles' grants can differ between the two sides.
 */
import { entitlementKey, type Entitlement, type Graph, type ProfileKey, type VersionNode, type VersionRef } from "./graph";

/** The version resource that says what a held version grants, if the input has one. */
export function versionOf(g: Graph, profile: ProfileKey, versionNumber?: number): VersionNode | undefined {
  const list = g.versions.get(profile);
  if (!list) return undefined;
  const wanted = versionNumber ?? g.currentVersion.get(profile);
  if (wanted !== undefined) {
    const exact = list.find((v) => v.versionNumber === wanted);
    if (exact) return exact;
  }
  // a version resource that names no number manages the profile's current version
  const current = list.find((v) => v.versionNumber === undefined);
  if (current && (versionNumber === undefined || versionNumber === g.currentVersion.get(profile) || !g.currentVersion.has(profile)))
    return current;
  if (versionNumber === undefined && list.length === 1) return list[0];
  return undefined;
}

export interface Reach {
  grants: Map<string, { e: Entitlement; path: ProfileKey[] }>;
  /** Profiles reached whose grants the input does not hold, and the URN that reaches them. */
  opaque: Map<ProfileKey, string>;
  profiles: Set<ProfileKey>;
}

export function emptyReach(): Reach {
  return { grants: new Map(), opaque: new Map(), profiles: new Set() };
}

/** Breadth-first from the held versions: the first path that reaches an entitlement is a shortest one. */
export function reach(g: Graph, starts: VersionRef[], label: (p: ProfileKey) => string): Reach {
  const out: Reach = emptyReach();
  const queue: { h: VersionRef; path: ProfileKey[] }[] = [];
  // held profiles in name order, so that of two equally short paths the same one is always shown
  const sorted = [...starts].sort((a, b) => label(a.profile).localeCompare(label(b.profile)) || a.profile.localeCompare(b.profile));
  for (const h of sorted) {
    if (out.profiles.has(h.profile)) continue;
    out.profiles.add(h.profile);
    queue.push({ h, path: [h.profile] });
  }
  for (let i = 0; i < queue.length; i++) {
    const { h, path } = queue[i]!;
    const v = versionOf(g, h.profile, h.versionNumber);
    if (!v?.entities) {
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
export function cycles(g: Graph): ProfileKey[][] {
  const found: ProfileKey[][] = [];
  const seen = new Set<string>();
  const state = new Map<ProfileKey, 1 | 2>(); // 1: on the stack, 2: done
  const stack: ProfileKey[] = [];
  const edges = (p: ProfileKey) => versionOf(g, p)?.inheritFrom ?? [];
  for (const start of g.versions.keys()) {
    if (state.has(start)) continue;
    // iterative DFS: [node, its edges, next edge index]
    const work: [ProfileKey, ProfileKey[], number][] = [[start, edges(start), 0]];
    state.set(start, 1);
    stack.push(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const next = top[1][top[2]++];
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
        work.push([next, edges(next), 0]);
      }
    }
  }
  return found;
}

/** What a profile's versions say on a side, as one comparable string. */
function signature(g: Graph, p: ProfileKey): string {
  const one = (v: VersionNode) => {
    const ents = v.entities ? v.entities.map(entitlementKey).sort().join("\u0001") : "\u0002unreadable";
    return `${v.versionNumber ?? ""}\u0004${ents}\u0003${[...v.inheritFrom].sort().join("\u0001")}`;
  };
  const nodes = (g.versions.get(p) ?? []).map(one).sort();
  return `${g.currentVersion.get(p) ?? ""}\u0005${nodes.join("\u0006")}`;
}

/**
 * The profiles whose grants can differ between the sides: those whose own current version differs
 * (or exists on one side only), and every profile that inherits from one of them, on either side.
 * Everything else grants the same before and after, so an identity holding only such profiles on
 * both sides, the same ones, has no change: the walks are done only for the rest.
 */
export function changedProfiles(before: Graph, after: Graph, unchanged: (p: ProfileKey) => boolean = () => false): Set<ProfileKey> {
  const changed = new Set<ProfileKey>();
  for (const p of new Set([...before.versions.keys(), ...after.versions.keys()])) {
    if (!unchanged(p) && signature(before, p) !== signature(after, p)) changed.add(p);
  }
  // who inherits from whom, both sides
  const inheritors = new Map<ProfileKey, ProfileKey[]>();
  for (const g of [before, after]) {
    for (const p of g.versions.keys()) {
      for (const v of g.versions.get(p)!) for (const q of v.inheritFrom) (inheritors.get(q) ?? inheritors.set(q, []).get(q)!).push(p);
    }
  }
  const queue = [...changed];
  for (let i = 0; i < queue.length; i++) {
    for (const p of inheritors.get(queue[i]!) ?? []) {
      if (changed.has(p)) continue;
      changed.add(p);
      queue.push(p);
    }
  }
  return changed;
}
