/**
 * Who gains and who loses access: the stack before the preview and after it, read as Veza keeps it.
 *
 * An identity holds a profile's version when it is on that version's member list (graph.ts: one
 * list per version, shared by every membership of it and by members granted in Veza); a version
 * grants its `entities` and, through `inheritFrom`, everything the current versions of those
 * profiles grant (transitively; a cycle is reported and walked once). An identity's entitlements
 * are everything reachable from the versions it holds (reach.ts); gains are the entitlements after
 * that were not there before, with the shortest path that grants them (`via`, by profile name),
 * losses the reverse. What cannot be read (a secret, an unknown value with no dependency that
 * settles it, a profile whose grants the input does not hold, what Veza's API reference does not
 * settle) is listed as unresolved with the resource's URN and why, never guessed.
 */
import type { Sides } from "./input";
import {
  entitlementKey,
  GraphReader,
  SIDE_WORD,
  type Entitlement,
  type Graph,
  type Holding,
  type ProfileKey,
  type Replacement,
  type TenantView,
  type Unresolved,
} from "./graph";
import { changedProfiles, cycles, emptyReach, reach, versionOf, type Reach } from "./reach";
import { nameOf } from "./values";

export { entitlementKey };
export type { Entitlement, Unresolved, Replacement, TenantView };

/** An entitlement and the profiles that grant it: the one held first, the one whose version lists it last. */
export interface Grant extends Entitlement {
  via: string[];
}
/**
 * How the identity is a member of the profile it holds (`via[0]`), on the side the grant is had
 * (after for a gain, before for a loss): through memberships of the stack, or granted in Veza (an
 * access request, the UI: on Veza's list with no membership of the stack listing it), or both (it
 * holds two versions of the profile, one each way).
 */
export interface MemberSource {
  /** The stack's ProfileMemberships that list it, by logical name. */
  memberships: string[];
  /** Only when no membership of the version lists it, nor may list it (`unreadable`). */
  grantedInVeza: boolean;
  /** The stack's memberships of the version whose list cannot be read (a secret): it may be on them. */
  unreadable: string[];
}
/** A gain or a loss of an identity: with how it holds the profile that grants it. */
export interface IdentityGrant extends Grant {
  member: MemberSource;
}
export interface IdentityImpact {
  identity: string;
  gains: IdentityGrant[];
  losses: IdentityGrant[];
}
export interface ProfileImpact {
  profile: string;
  gains: Grant[];
  losses: Grant[];
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
  /** Something is wrong with or missing from the input (every format prints them). */
  warnings: string[];
  /** Profiles the preview replaces: new Veza objects, with who loses them and for how long. */
  replacements: Replacement[];
  /** What this review cannot see, always said (every format prints them). */
  notices: string[];
}

/** Said in every format when the review did not read the tenant (--tenant). */
export const NOT_SEEN_NOTICE =
  "this review sees only the stack's resources as last read: profiles outside the stack that inherit from its profiles, and members added in Veza since the last refresh, are not seen. Run `pulumi preview --refresh --json --show-sames`, or pass --tenant to read them from Veza";

export interface AnalyseOptions {
  /** Veza's profiles and members today (--tenant): completes what the state does not show. */
  tenant?: TenantView;
}

const byEntitlement = (a: Entitlement, b: Entitlement) =>
  a.entityType.localeCompare(b.entityType) || a.datasourceId.localeCompare(b.datasourceId) || a.entityId.localeCompare(b.entityId);

function labeller(g: Graph): (p: ProfileKey) => string {
  return (p) => g.names.get(p) ?? (p.startsWith("id:") ? p.slice(3) : nameOf(p));
}

/** What `from` grants and `to` does not, made into rows by `row` (which gets the shortest path's profiles). */
function difference<G extends Grant>(from: Reach, to: Reach, row: (e: Entitlement, path: ProfileKey[]) => G): G[] {
  const out: G[] = [];
  for (const [k, { e, path }] of from.grants) if (!to.grants.has(k)) out.push(row(e, path));
  return out.sort(byEntitlement);
}

const grant =
  (label: (p: ProfileKey) => string) =>
  (e: Entitlement, path: ProfileKey[]): Grant => ({
    entityType: e.entityType,
    datasourceId: e.datasourceId,
    entityId: e.entityId,
    via: path.map(label),
  });

/** An identity's row: the grant, and how it holds the path's first profile (`held`: its certain holdings on that side). */
const identityGrant =
  (label: (p: ProfileKey) => string, held: Holding[]) =>
  (e: Entitlement, path: ProfileKey[]): IdentityGrant => {
    const holdings = held.filter((h) => h.profile === path[0]);
    const set = (xs: string[]) => [...new Set(xs)].sort();
    const member = {
      memberships: set(holdings.flatMap((h) => h.memberships)),
      grantedInVeza: holdings.some((h) => !h.memberships.length && !h.unreadable.length),
      unreadable: set(holdings.flatMap((h) => h.unreadable.filter((x) => !h.memberships.includes(x)))),
    };
    return { ...grant(label)(e, path), member };
  };

const holdingKey = (h: Holding) => `${h.profile}\u0000${h.versionNumber ?? ""}`;

/** The impact of going from `sides.before` to `sides.after`. */
export function analyse(sides: Sides, options: AnalyseOptions = {}): Impact {
  const a = new GraphReader(sides, options.tenant);
  const { before, after } = a.graphs();
  const labelBefore = labeller(before);
  const labelAfter = labeller(after);
  const warnings: string[] = [];

  // cycles: reported (with the version that closes them), never looped
  const reported = new Set<string>();
  for (const g of [after, before]) {
    const label = labeller(g);
    for (const cyc of cycles(g)) {
      const id = [...cyc.slice(1)].sort().join("\u0000");
      if (reported.has(id)) continue;
      reported.add(id);
      const closing = versionOf(g, cyc[cyc.length - 2]!)!;
      a.note(
        closing.urn,
        `inheritance cycle in the ${SIDE_WORD[g.side]}: ${cyc.map(label).join(" → ")}; each profile on it is walked once`,
      );
    }
  }

  const noteOpaque = (r: Reach, other: Reach, g: Graph) => {
    const label = labeller(g);
    for (const [p, urn] of r.opaque) {
      if (other.opaque.has(p)) continue; // the same unknown on both sides: no change comes from it
      const why = versionOf(g, p)
        ? "its version's entities cannot be read"
        : "the input has no AccessProfileVersion for it (use --show-sames or --state)";
      a.note(
        urn,
        `what profile "${label(p)}" grants is not known (${SIDE_WORD[g.side]}): ${why}; gains and losses through it are not listed`,
      );
    }
  };

  // only identities whose holdings change, or who hold a profile whose grants may change, can differ
  const changed = changedProfiles(before, after, (p) => a.unchangedProfile(p));
  const identities: IdentityImpact[] = [];
  const everyone = [
    ...new Set([...before.holdings.keys(), ...after.holdings.keys(), ...before.maybe.keys(), ...after.maybe.keys()]),
  ].sort();
  for (const identity of everyone) {
    const hb = before.holdings.get(identity) ?? [];
    const ha = after.holdings.get(identity) ?? [];
    const mb = before.maybe.get(identity) ?? [];
    const ma = after.maybe.get(identity) ?? [];
    const same =
      !mb.length &&
      !ma.length &&
      hb.length === ha.length &&
      hb.every((h) => !changed.has(h.profile)) &&
      ha.every((h) => !changed.has(h.profile)) &&
      sameHoldings(hb, ha);
    if (same) continue;
    // what holds either way: a gain is had after even without the uncertain holdings and was not
    // had before even with them; a loss the reverse
    const rb = reach(before, hb, labelBefore);
    const ra = reach(after, ha, labelAfter);
    const rbMost = mb.length ? reach(before, [...hb, ...mb], labelBefore) : rb;
    const raMost = ma.length ? reach(after, [...ha, ...ma], labelAfter) : ra;
    noteOpaque(ra, rbMost, after);
    noteOpaque(rb, raMost, before);
    const gains = difference(ra, rbMost, identityGrant(labelAfter, ha));
    const losses = difference(rb, raMost, identityGrant(labelBefore, hb));
    if (gains.length || losses.length) identities.push({ identity, gains, losses });
  }

  // per profile: what it (transitively) gains and loses
  const profiles: ProfileImpact[] = [];
  const changedGrants = new Set<ProfileKey>();
  for (const p of changed) {
    const rb = before.versions.has(p) ? reach(before, [{ profile: p }], labelBefore) : emptyReach();
    const ra = after.versions.has(p) ? reach(after, [{ profile: p }], labelAfter) : emptyReach();
    const gains = difference(ra, rb, grant(labelAfter));
    const losses = difference(rb, ra, grant(labelBefore));
    if (gains.length || losses.length) {
      changedGrants.add(p);
      profiles.push({ profile: after.names.has(p) ? labelAfter(p) : labelBefore(p), gains, losses });
    }
  }
  profiles.sort((x, y) => x.profile.localeCompare(y.profile));

  if (sides.errors > 0) {
    warnings.push(
      `the preview reported ${sides.errors} error(s) (see its diagnostics): it stops at the first failure, so these steps may not be the whole change`,
    );
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
  for (const r of a.replacements) warnings.push(replacementWarning(r));

  return {
    report: {
      identities,
      profiles,
      unresolved: [...a.unresolved.values()].sort((x, y) => x.urn.localeCompare(y.urn) || x.reason.localeCompare(y.reason)),
    },
    ...graphChanges(before, after, changedGrants),
    warnings,
    replacements: a.replacements,
    notices: options.tenant ? [] : [NOT_SEEN_NOTICE],
  };
}

function sameHoldings(a: Holding[], b: Holding[]): boolean {
  const keys = new Set(a.map(holdingKey));
  return b.every((h) => keys.has(holdingKey(h)));
}

const list = (xs: string[], max = 10) => (xs.length > max ? `${xs.slice(0, max).join(", ")} and ${xs.length - max} more` : xs.join(", "));

/**
 * How a replaced profile is listed: a new Veza object, and the window in which access through it is
 * gone. AccessProfile replaces delete first (names are unique: provider/resources/access-profile.ts),
 * so every holder is without it from the delete until the new one's version and memberships are written.
 */
export function replacementWarning(r: Replacement): string {
  const parts = [
    `profile "${r.profile}" is replaced: the old one is deleted before the new one is created (a new Veza object, with a new id, whose versions start with no member but those the stack's memberships add), so every holder is without it from that delete until the new profile's version and memberships are written`,
  ];
  if (r.dropped.length) parts.push(`${r.dropped.length} holder(s) do not get it back (${list(r.dropped)})`);
  if (r.regranted.length) parts.push(`${r.regranted.length} holder(s) get it back from the stack's memberships (${list(r.regranted)})`);
  if (r.inheritedBy.length) {
    parts.push(
      `${list(r.inheritedBy.map((p) => `"${p}"`))} inherit${r.inheritedBy.length === 1 ? "s" : ""} from it: Veza does not delete a profile others inherit from, so the replace fails at that delete unless the inheritance is removed first`,
    );
  }
  return parts.join("; ");
}

/** The inheritance edges and own entity changes among the changed profiles and the profiles on their paths. */
function graphChanges(before: Graph, after: Graph, changed: Set<ProfileKey>): Pick<Impact, "edges" | "ownChanges"> {
  const labelBefore = labeller(before);
  const labelAfter = labeller(after);
  const names = (p: ProfileKey) => (after.names.has(p) ? labelAfter(p) : labelBefore(p));
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
    if (added.length || removed.length)
      ownChanges.set(names(p), { added: added.sort(byEntitlement), removed: removed.sort(byEntitlement) });
  }
  return { edges, ownChanges };
}
