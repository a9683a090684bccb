/**
 * The member list of every version, before and after `up` (graph.ts reads the states; this applies
 * the calls). Veza keeps one member list per (profile, version); every ProfileMembership of the
 * version and every member granted in Veza share it. The calls are the provider's
 * (provider/resources/profile-membership.ts), in the engine's order: creates and updates first,
 * deletes at the end. Which identities end up on a list: "in", out (absent) or "uncertain".
 */
import type { GraphReader, MemberLists, ProfileKey, RawSide, VersionNode } from "./graph";
import { isPlain, nameOf, prop, TENANT, versionKey } from "./values";

/** What one membership's calls do to one member list. */
interface Call {
  /** The membership. */
  urn: string;
  /** Identities it ADDs. */
  add: Set<string>;
  /** Identities it REMOVEs, or "all-but": everyone not in `keep` (an exclusive membership that read the list). */
  remove: Set<string> | "all-but";
  keep?: Set<string>;
  /** Identities whose presence afterwards its unreadable values leave open, or "all" of the list. */
  uncertain: Set<string> | "all";
}

/** Adds `profile`'s list for version `n` to `lists` if it has none yet; returns the list's members. */
function slot(lists: MemberLists, profile: ProfileKey, n: number | undefined, from: string) {
  const k = versionKey(profile, n);
  let s = lists.get(k);
  if (!s) lists.set(k, (s = { profile, versionNumber: n, members: new Map(), from }));
  return s.members;
}

/** Every version's member list before `up`: Veza's list today where --tenant read it, else what the old state lists. */
function listsBefore(r: GraphReader, beforeRaw: RawSide): MemberLists {
  const before: MemberLists = new Map();
  const live = (p: ProfileKey) => {
    const id = p.startsWith("id:") ? p.slice(3) : r.sides.before.get(p)?.id;
    return id ? r.tenant?.profiles.get(id) : undefined;
  };
  for (const [urn, v] of beforeRaw.versionNodes) {
    const t = live(v.profile);
    if (t?.members) continue;
    const state = r.sides.before.get(urn);
    if (!state) continue; // a profile outside the stack: from the tenant below
    const listed = r.identityList(state, prop(state, "members"), "before", "members");
    const list = slot(before, v.profile, v.versionNumber ?? beforeRaw.currentVersion.get(v.profile), urn);
    for (const m of listed.identities) list.set(m, "in");
  }
  for (const m of beforeRaw.memberships.values()) {
    if (live(m.profile)?.members) continue;
    const list = slot(before, m.profile, r.memberVersion(m, beforeRaw), m.urn);
    for (const x of m.identities) list.set(x, "in");
  }
  if (r.tenant) {
    for (const t of r.tenant.profiles.values()) {
      if (!t.members) continue;
      const list = slot(before, r.keyOfId(t.id), t.currentVersionNumber, `${TENANT}${t.id}`);
      for (const x of t.members) list.set(x, "in");
    }
  }
  return before;
}

/** A membership's call on one member list, in phase 1 (creates and updates) or 2 (deletes, at the end). */
interface PhasedCall {
  phase: 1 | 2;
  list: string;
  call: Call;
}

/**
 * The calls membership `urn` makes, as the provider makes them (none for an unchanged one).
 * Also edits `before`: where the old state could not read the membership's list, each identity it
 * now adds that the list did not hold becomes "uncertain" there (it may have been a member already).
 */
function membershipCalls(r: GraphReader, before: MemberLists, beforeRaw: RawSide, afterRaw: RawSide, urn: string): PhasedCall[] {
  const calls: PhasedCall[] = [];
  const push = (phase: 1 | 2, list: string, call: Call) => calls.push({ phase, list, call });
  // an unchanged membership (a same step, or one only --state shows) makes no call
  const op = r.sides.ops ? (r.sides.ops.get(urn) ?? "same") : "update";
  if (op === "same" || op.startsWith("read") || op.startsWith("refresh")) return calls;
  const b = beforeRaw.memberships.get(urn);
  const a = afterRaw.memberships.get(urn);
  const oldVersion = b ? versionKey(b.profile, r.memberVersion(b, beforeRaw)) : undefined;
  const newVersion = a ? versionKey(a.profile, r.memberVersion(a, afterRaw)) : undefined;
  const oldR = r.sides.before.get(urn);
  const newR = r.sides.after.get(urn);
  if (!a && newR && b) {
    // the new state cannot name its profile: what it does to the old list is not known
    push(1, oldVersion!, { urn, add: new Set(), remove: new Set(), uncertain: new Set(b.identities.concat(b.managed)) });
    return calls;
  }
  if (!b && oldR && a) {
    // the old state could not name its profile: whoever the new one lists may have held it already
    push(1, newVersion!, { urn, add: new Set(), remove: new Set(), uncertain: new Set(a.identities) });
    return calls;
  }
  const replaced = b && a && (oldVersion !== newVersion || !r.persists(a.profile) || (isPlain(oldR?.id) && oldR!.id !== newR?.id));
  if (a && (!b || replaced)) {
    // create: ADD the list; exclusive: and REMOVE everyone else
    push(1, newVersion!, {
      urn,
      add: new Set(a.identities),
      remove: a.exclusive && !a.partial ? "all-but" : new Set(),
      keep: new Set(a.identities),
      uncertain: a.partial && a.exclusive ? "all" : new Set(),
    });
  }
  if (b && (!a || replaced) && r.persists(b.profile)) {
    // delete: exclusive removes every member at that time; otherwise what it granted
    // (a membership of a replaced or deleted profile goes with the old object)
    push(2, oldVersion!, {
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
      push(1, newVersion!, {
        urn,
        add: new Set(a.identities),
        remove: a.partial ? new Set() : "all-but",
        keep: new Set(a.identities),
        uncertain: a.partial || b.partial ? "all" : new Set(),
      });
    } else if (a.exclusive) {
      // staying exclusive: no read; it removes the members it knew of (its last refresh) and no longer lists
      const known = new Set([...b.identities, ...b.managed]);
      const remove = new Set([...known].filter((x) => !a.identities.includes(x)));
      push(1, newVersion!, {
        urn,
        add: new Set(a.identities.filter((x) => !known.has(x))),
        remove: a.partial ? new Set() : remove,
        uncertain: a.partial ? remove : b.partial ? "all" : new Set(),
      });
    } else {
      // ADD what it did not list before; REMOVE what it granted and no longer lists
      const reported = new Set(b.identities);
      const add = new Set(a.identities.filter((x) => !reported.has(x)));
      const remove = new Set(b.managed.filter((x) => !a.identities.includes(x)));
      const uncertain = new Set<string>();
      // a list one side cannot read: its removals, and whether an addition is new, are not known
      if (a.partial) for (const x of remove) uncertain.add(x);
      if (b.partial) {
        const old = before.get(oldVersion!)?.members ?? slot(before, b.profile, r.memberVersion(b, beforeRaw), urn);
        for (const x of add) if (!old.has(x)) old.set(x, "uncertain");
      }
      push(1, newVersion!, { urn, add, remove: a.partial ? new Set() : remove, uncertain });
    }
  }
  return calls;
}

/**
 * The member list of every version, before and after. Before: what the old state lists (a
 * version's `members` output, each membership's identityIds), or Veza's list today (--tenant).
 * After: that list, less what a replaced or deleted profile takes with it, with each membership's
 * calls applied as the provider makes them (provider/resources/profile-membership.ts).
 */
export function memberLists(r: GraphReader, beforeRaw: RawSide, afterRaw: RawSide): { before: MemberLists; after: MemberLists } {
  const before = listsBefore(r, beforeRaw);
  // after: the lists of profiles that stay the same Veza object
  const after: MemberLists = new Map();
  for (const [k, s] of before) if (r.persists(s.profile)) after.set(k, { ...s, members: new Map(s.members) });

  const urns = new Set([...beforeRaw.memberships.keys(), ...afterRaw.memberships.keys(), ...beforeRaw.unnamed, ...afterRaw.unnamed]);
  // phase 1: creates and updates (and the create half of a replace); phase 2: deletes, at the end
  const phases = [new Map<string, Call[]>(), new Map<string, Call[]>()];
  for (const urn of urns) {
    for (const { phase, list, call } of membershipCalls(r, before, beforeRaw, afterRaw, urn)) {
      const byList = phases[phase - 1]!;
      byList.set(list, [...(byList.get(list) ?? []), call]);
    }
  }
  for (const phase of phases) {
    for (const [k, calls] of phase) {
      let s = after.get(k);
      if (!s) {
        const [profile, n] = [k.slice(0, k.lastIndexOf("\u0000")), k.slice(k.lastIndexOf("\u0000") + 1)];
        after.set(k, (s = { profile, versionNumber: n === "" ? undefined : Number(n), members: new Map() }));
      }
      s.from ??= calls[0]!.urn;
      apply(r, s.members, calls);
    }
  }
  notePublishes(r, after, beforeRaw, afterRaw);
  noteReplacements(r, before, after, afterRaw);
  return { before, after };
}

/**
 * Applies one phase's calls to a member list. Calls of one phase have no order between them: an
 * identity one call adds and another removes is uncertain, and said so.
 */
function apply(r: GraphReader, list: Map<string, "in" | "uncertain">, calls: Call[]): void {
  const everyone = new Set([...list.keys(), ...calls.flatMap((c) => [...c.add])]);
  for (const x of everyone) {
    const adders = calls.filter((c) => c.add.has(x));
    const removers = calls.filter((c) => (c.remove === "all-but" ? !c.keep!.has(x) : c.remove.has(x)));
    const unsure = calls.some((c) => c.uncertain === "all" || c.uncertain.has(x));
    if (unsure) list.set(x, "uncertain");
    else if (adders.length && removers.length) {
      list.set(x, "uncertain");
      const names = [...new Set([...adders, ...removers].map((c) => nameOf(c.urn)))].join(" and ");
      r.note(
        adders[0]!.urn,
        `memberships ${names} add and remove "${x}" on the same version in one update, in no fixed order: whether "${x}" holds it afterwards is not known`,
      );
    } else if (adders.length) list.set(x, "in");
    else if (removers.length) list.delete(x);
  }
}

/**
 * Publishing another version of a profile: Veza's API reference keeps members per version and does
 * not say what publishing does to the members of the version it replaces (they may keep it, move
 * to the new one, or lose the profile). Not assumed: their holding is uncertain, and said so.
 */
function notePublishes(r: GraphReader, after: MemberLists, beforeRaw: RawSide, afterRaw: RawSide): void {
  // version resources that publish a numbered version, by profile (one pass)
  const published = new Map<ProfileKey, VersionNode[]>();
  for (const v of afterRaw.versionNodes.values())
    if (v.state === "PUBLISHED" && v.versionNumber !== undefined) published.set(v.profile, [...(published.get(v.profile) ?? []), v]);
  for (const [p, oldN] of beforeRaw.currentVersion) {
    if (!r.persists(p)) continue;
    let newN = afterRaw.currentVersion.get(p);
    let urn = p;
    for (const v of published.get(p) ?? []) if (v.versionNumber !== oldN) [newN, urn] = [v.versionNumber!, v.urn];
    if (newN === undefined || newN === oldN) continue;
    const s = after.get(versionKey(p, oldN));
    const members = s ? [...s.members].filter(([, st]) => st === "in").map(([x]) => x) : [];
    if (!members.length) continue;
    const next =
      after.get(versionKey(p, newN)) ??
      after.set(versionKey(p, newN), { profile: p, versionNumber: newN, members: new Map(), from: urn }).get(versionKey(p, newN))!;
    for (const x of members) {
      s!.members.set(x, "uncertain");
      if (next.members.get(x) !== "in") next.members.set(x, "uncertain");
    }
    const name = afterRaw.names.get(p) ?? p;
    r.note(
      urn,
      `version ${newN} of "${name}" is published: Veza's API reference does not say what publishing does to the ${members.length} member(s) of version ${oldN} (kept on version ${oldN}, moved to version ${newN}, or removed), so their changes through "${name}" are not counted`,
    );
  }
}

/** Lists each replaced profile: its old members lose it unless re-granted, and inheritors lose it for a while. */
function noteReplacements(r: GraphReader, before: MemberLists, after: MemberLists, afterRaw: RawSide): void {
  for (const urn of r.newObject) {
    if (!r.sides.before.has(urn)) continue; // created, not replaced
    const held = new Set<string>();
    for (const s of before.values()) if (s.profile === urn) for (const [x, st] of s.members) if (st === "in") held.add(x);
    // who holds it again: of its holders, those the stack's memberships put on the new one's lists
    const regranted = new Set<string>();
    for (const s of after.values())
      if (s.profile === urn) for (const [x, st] of s.members) if (st === "in" && held.has(x)) regranted.add(x);
    const inheritedBy = [...afterRaw.versionNodes.values()]
      .filter((v) => v.inheritFrom.includes(urn) && v.profile !== urn)
      .map((v) => afterRaw.names.get(v.profile) ?? v.profile);
    r.replacements.push({
      urn,
      profile: afterRaw.names.get(urn) ?? nameOf(urn),
      dropped: [...held].filter((x) => !regranted.has(x)).sort(),
      regranted: [...regranted].sort(),
      inheritedBy: [...new Set(inheritedBy)].sort(),
    });
  }
}
