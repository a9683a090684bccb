/**
 * The impact differential test's parts (issue 28, item 4), shared by the test engine's run
 * (tests/impact/differential.test.ts: seeded random changes) and the real CLI's
 * (tests/real-cli/impact-differential.test.ts: a fixed few): a small stack as data (profiles three
 * levels deep, memberships that overlap and may be exclusive), random edits of it, and per change
 * the impact of its preview (with --tenant's view, read just before) against the access each
 * identity really gains and loses through `up`, as `reality()` below reads the emulator's data:
 * that reader shares no code with provider/impact/. Every `via` is checked to be a real path, and a
 * shortest one, and every `member` against the program: the memberships that list the identity on
 * the profile it holds, else granted in Veza.
 *
 * An answer agrees when the gains and losses are exactly the real ones; with values reported
 * unresolved (a secret list, a race between two memberships), when every gain and loss it does list
 * is real.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { EmulatorStore, TenantData } from "../../emulator";
import * as veza from "../../provider";
import { analyse, parsePreview, sidesOf, type ImpactReport } from "../../provider/impact";
import { readTenantView } from "../../provider/impact/tenant";

export const PEOPLE = ["ann", "bob", "cy", "dan", "eve"];

// ---- the stack, as data ---------------------------------------------------------------------------
export interface ProfileSpec {
  key: string;
  /** Inherits only from profiles of a lower rank: no cycle (Veza refuses one). */
  rank: number;
  type: "t1" | "t2";
  entities: string[];
  inherits: string[];
}
export interface MembershipSpec {
  key: string;
  profile: string;
  ids: string[];
  exclusive: boolean;
  secret: boolean;
}
export interface Stack {
  profiles: ProfileSpec[];
  memberships: MembershipSpec[];
}

export const profileName = (key: string) => `P${key}`;

/** The program's file: the CLI's index.js requires it too. */
export const PROGRAM_FILE = path.join(__dirname, "differential-program.js");
const programOf = require(PROGRAM_FILE) as (p: typeof pulumi, v: typeof veza, s: Stack) => void;

/** The program of a stack, for the test engine. */
export const program = (s: Stack) => () => programOf(pulumi, veza, s);

/** The program of a stack as the real CLI's index.js (`pulumi-veza` resolves to dist/, as in a user's stack). */
export const programSource = (s: Stack) =>
  `require(${JSON.stringify(PROGRAM_FILE)})(require("@pulumi/pulumi"), require("pulumi-veza"), ${JSON.stringify(s)});\n`;

export const BASE: Stack = {
  profiles: [
    { key: "a", rank: 0, type: "t1", entities: ["ga"], inherits: [] },
    { key: "b", rank: 1, type: "t1", entities: ["gb"], inherits: [] },
    { key: "c", rank: 2, type: "t1", entities: ["gc"], inherits: ["a"] },
    { key: "d", rank: 3, type: "t1", entities: [], inherits: ["c", "b"] },
    { key: "e", rank: 4, type: "t1", entities: ["ge"], inherits: ["d"] },
  ],
  memberships: [
    { key: "1", profile: "e", ids: ["ann"], exclusive: false, secret: false },
    { key: "2", profile: "c", ids: ["bob", "cy"], exclusive: false, secret: false },
    { key: "3", profile: "c", ids: ["cy"], exclusive: false, secret: false },
    { key: "4", profile: "a", ids: ["dan"], exclusive: false, secret: false },
  ],
};

// ---- random edits ------------------------------------------------------------------------------------
export type Random = () => number;
export const pick = <T>(r: Random, xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
const toggle = (xs: string[], x: string) => (xs.includes(x) ? xs.filter((y) => y !== x) : [...xs, x]);

/** One edit of the stack; `inheritedOutside`: profiles a profile outside the stack inherits (not deleted or replaced: Veza refuses). */
export function edit(s: Stack, r: Random, serial: { n: number }, inheritedOutside: Set<string>): { stack: Stack; what: string } {
  const st: Stack = JSON.parse(JSON.stringify(s));
  const profile = () => pick(r, st.profiles);
  const inherited = (k: string) => inheritedOutside.has(k) || st.profiles.some((x) => x.inherits.includes(k));
  const kinds = [
    "entity",
    "inherit",
    "ids",
    "exclusive",
    "move",
    "add-membership",
    "drop-membership",
    "replace",
    "delete",
    "new-profile",
    "secret",
  ];
  for (;;) {
    const kind = pick(r, kinds);
    if (kind === "entity") {
      const p = profile();
      const g = pick(r, [`g${p.key}`, `g${p.key}2`, "gshared"]);
      p.entities = toggle(p.entities, g);
      return { stack: st, what: `${profileName(p.key)} entities ${p.entities.join(",")}` };
    }
    if (kind === "inherit") {
      const p = profile();
      const lower = st.profiles.filter((x) => x.rank < p.rank);
      if (!lower.length) continue;
      p.inherits = toggle(p.inherits, pick(r, lower).key);
      return { stack: st, what: `${profileName(p.key)} inherits ${p.inherits.join(",")}` };
    }
    if (!st.memberships.length && ["ids", "exclusive", "move", "drop-membership", "secret"].includes(kind)) continue;
    if (kind === "ids") {
      const m = pick(r, st.memberships);
      m.ids = toggle(m.ids, pick(r, PEOPLE));
      return { stack: st, what: `m-${m.key} lists ${m.ids.join(",")}` };
    }
    if (kind === "exclusive") {
      const m = pick(r, st.memberships);
      m.exclusive = !m.exclusive;
      return { stack: st, what: `m-${m.key} exclusive ${m.exclusive}` };
    }
    if (kind === "move") {
      const m = pick(r, st.memberships);
      m.profile = pick(r, st.profiles.filter((x) => x.key !== m.profile).concat(profile())).key;
      if (r() < 0.5) m.exclusive = !m.exclusive;
      return { stack: st, what: `m-${m.key} moves to ${profileName(m.profile)} (exclusive ${m.exclusive})` };
    }
    if (kind === "add-membership") {
      const p = profile();
      // overlapping: often someone another membership of the profile lists already
      const other = st.memberships.find((m) => m.profile === p.key);
      const ids = [...new Set([pick(r, PEOPLE), ...(other && r() < 0.7 ? [pick(r, other.ids.length ? other.ids : PEOPLE)] : [])])];
      const m = { key: `n${serial.n++}`, profile: p.key, ids, exclusive: r() < 0.2, secret: false };
      st.memberships.push(m);
      return { stack: st, what: `new m-${m.key} on ${profileName(p.key)}: ${ids.join(",")}${m.exclusive ? " (exclusive)" : ""}` };
    }
    if (kind === "drop-membership") {
      const m = pick(r, st.memberships);
      st.memberships = st.memberships.filter((x) => x !== m);
      return { stack: st, what: `m-${m.key} deleted` };
    }
    if (kind === "secret") {
      if (r() < 0.5) continue; // rarer than the others
      const m = pick(r, st.memberships);
      m.secret = !m.secret;
      if (m.secret && r() < 0.5) m.ids = toggle(m.ids, pick(r, PEOPLE));
      return { stack: st, what: `m-${m.key} secret ${m.secret}: ${m.ids.join(",")}` };
    }
    if (kind === "replace") {
      const p = profile();
      if (inherited(p.key)) continue;
      p.type = p.type === "t1" ? "t2" : "t1";
      return { stack: st, what: `${profileName(p.key)} replaced (type ${p.type})` };
    }
    if (kind === "delete") {
      if (st.profiles.length <= 3) continue;
      const p = profile();
      if (inheritedOutside.has(p.key)) continue;
      st.profiles = st.profiles.filter((x) => x !== p);
      for (const x of st.profiles) x.inherits = x.inherits.filter((k) => k !== p.key);
      st.memberships = st.memberships.filter((m) => m.profile !== p.key);
      return { stack: st, what: `${profileName(p.key)} deleted` };
    }
    if (kind === "new-profile") {
      if (st.profiles.length >= 8) continue;
      const key = `x${serial.n++}`;
      // a lower rank than any: an existing profile can inherit it (its id is unknown in the preview)
      const rank = Math.min(...st.profiles.map((x) => x.rank)) - 1;
      st.profiles.push({ key, rank, type: "t1", entities: [`g${key}`], inherits: [] });
      const heir = profile();
      if (heir.key !== key) heir.inherits.push(key);
      if (r() < 0.5) st.memberships.push({ key: `n${serial.n++}`, profile: key, ids: [pick(r, PEOPLE)], exclusive: false, secret: false });
      return { stack: st, what: `new ${profileName(key)} inherited by ${profileName(heir.key)}` };
    }
  }
}

// ---- the independent reader: who holds what in the emulator's data -----------------------------------
type Access = Map<string, Map<string, number>>; // identity -> entitlement -> shortest path length (profiles)

/**
 * Each identity's entitlements and, per entitlement, the length of its shortest path: a member of a
 * profile's current (published) version holds what that version grants and, through its
 * inheritance, what the current versions of those profiles grant.
 */
export function reality(data: TenantData): {
  access: Access;
  names: Map<string, string>;
  edges: Map<string, string[]>;
  grants: Map<string, string[]>;
  holds: Map<string, Set<string>>;
} {
  const profiles = data.profiles;
  const current = new Map(profiles.map((p) => [p.id, p.versions.find((v) => v.version_number === p.current_version_number)]));
  const names = new Map(profiles.map((p) => [p.id, p.name]));
  const edges = new Map(
    profiles.map((p) => [p.name, (current.get(p.id)?.inherit_entities_from_access_profiles ?? []).map((id) => names.get(id) ?? id)]),
  );
  const grants = new Map(
    profiles.map((p) => [
      p.name,
      (current.get(p.id)?.entities_to_create_relationships_to ?? []).map((e) => `${e.entity_type}/${e.datasource_id}/${e.entity_id}`),
    ]),
  );
  const holds = new Map<string, Set<string>>();
  for (const p of profiles) {
    const v = current.get(p.id);
    if (v?.state !== "PUBLISHED") continue;
    for (const m of v.members) (holds.get(m.identity_id) ?? holds.set(m.identity_id, new Set()).get(m.identity_id)!).add(p.name);
  }
  const access: Access = new Map();
  for (const [identity, held] of holds) {
    const got = new Map<string, number>();
    const depth = new Map([...held].map((n) => [n, 1]));
    const queue = [...held];
    for (let i = 0; i < queue.length; i++) {
      const n = queue[i]!;
      for (const g of grants.get(n) ?? []) if (!got.has(g)) got.set(g, depth.get(n)!);
      for (const q of edges.get(n) ?? []) {
        if (depth.has(q)) continue;
        depth.set(q, depth.get(n)! + 1);
        queue.push(q);
      }
    }
    access.set(identity, got);
  }
  return { access, names, edges, grants, holds };
}

export type Real = ReturnType<typeof reality>;

/** Why a `via` is not a real shortest path on that side ("" when it is). */
function badPath(via: string[], entitlement: string, identity: string, side: Real): string {
  if (!side.holds.get(identity)?.has(via[0]!)) return `${identity} does not hold ${via[0]}`;
  for (let i = 1; i < via.length; i++)
    if (!(side.edges.get(via[i - 1]!) ?? []).includes(via[i]!)) return `${via[i - 1]} does not inherit ${via[i]}`;
  if (!(side.grants.get(via[via.length - 1]!) ?? []).includes(entitlement)) return `${via[via.length - 1]} does not grant ${entitlement}`;
  const shortest = side.access.get(identity)?.get(entitlement);
  return shortest === via.length ? "" : `path of ${via.length} profiles, the shortest has ${shortest}`;
}

/** The memberships of the program that list `identity` on profile `name` (none: granted in Veza, by hand or outside the stack). */
function listing(s: Stack, name: string, identity: string): string[] {
  return s.memberships.filter((m) => profileName(m.profile) === name && m.ids.includes(identity)).map((m) => `m-${m.key}`);
}

/**
 * Why a grant's `member` disagrees with the program ("" when it agrees): the memberships it names
 * list the identity, and every one that does is named or said to be unreadable; "granted in Veza"
 * only when none lists it and none is unreadable.
 */
function badMember(member: { memberships: string[]; grantedInVeza: boolean; unreadable: string[] }, truth: string[]): string {
  const named = [...member.memberships, ...member.unreadable];
  if (member.memberships.some((m) => !truth.includes(m)) || truth.some((m) => !named.includes(m)))
    return `names ${JSON.stringify(member)}, the program lists it in ${JSON.stringify(truth)}`;
  if (member.grantedInVeza !== (truth.length === 0 && member.unreadable.length === 0))
    return `grantedInVeza ${member.grantedInVeza}, the program lists it in ${JSON.stringify(truth)}`;
  return "";
}

/** Disagreements of a report with what happened (empty: it agrees); `stacks`: the program before and after. */
export function compare(report: ImpactReport, before: Real, after: Real, stacks: { before: Stack; after: Stack }): string[] {
  const out: string[] = [];
  const key = (g: { entityType: string; datasourceId: string; entityId: string }) => `${g.entityType}/${g.datasourceId}/${g.entityId}`;
  const strip = (n: string) => n.replace(/ \(outside the stack\)$/, "");
  const exact = report.unresolved.length === 0;
  const people = new Set([...before.access.keys(), ...after.access.keys(), ...report.identities.map((i) => i.identity)]);
  for (const identity of people) {
    const b = before.access.get(identity) ?? new Map();
    const a = after.access.get(identity) ?? new Map();
    const realGains = [...a.keys()].filter((k) => !b.has(k)).sort();
    const realLosses = [...b.keys()].filter((k) => !a.has(k)).sort();
    const listed = report.identities.find((i) => i.identity === identity);
    const gains = (listed?.gains ?? []).map(key).sort();
    const losses = (listed?.losses ?? []).map(key).sort();
    const same = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
    const within = (x: string[], y: string[]) => x.every((v) => y.includes(v));
    if (exact ? !same(gains, realGains) : !within(gains, realGains)) out.push(`${identity} gains ${gains} reported, really ${realGains}`);
    if (exact ? !same(losses, realLosses) : !within(losses, realLosses))
      out.push(`${identity} loses ${losses} reported, really ${realLosses}`);
    for (const [what, grants, side, program] of [
      ["gains", listed?.gains ?? [], after, stacks.after],
      ["loses", listed?.losses ?? [], before, stacks.before],
    ] as const) {
      for (const g of grants) {
        const why = badPath(g.via.map(strip), key(g), identity, side);
        if (why) out.push(`${identity} ${what} ${key(g)} via ${g.via.join(" → ")}: ${why}`);
        const wrongMember = badMember(g.member, listing(program, strip(g.via[0]!), identity));
        if (wrongMember) out.push(`${identity} ${what} ${key(g)}: member ${wrongMember}`);
      }
    }
  }
  return out;
}

// ---- one run ---------------------------------------------------------------------------------------------
/** What runs the program: the test engine or the real CLI. */
export interface Driver {
  /** `up` of the stack's program: its errors (empty: it went through). */
  up(s: Stack): Promise<string[]>;
  /** The text `pulumi preview --json --show-sames` prints for the stack's program. */
  preview(s: Stack): Promise<string>;
}

/** One change: the stack after it, and what it edits (for messages). Hand edits in Veza are made before it returns. */
export interface Change {
  stack: Stack;
  what: string[];
}

export interface Tally {
  changes: number;
  exact: number;
  unresolvedButRight: number;
  /** Answers that would differ without --tenant's view. */
  staleDiffered: number;
}

/**
 * Goes from `start` (already up) through `count` changes, each from `plan` (which may act in Veza
 * by hand first), comparing each preview's impact with what `up` really did.
 */
export async function runChanges(o: {
  driver: Driver;
  store: EmulatorStore;
  url: string;
  token: string;
  start: Stack;
  count: number;
  plan: (c: number, stack: Stack) => Change;
}): Promise<{ tally: Tally; failures: string[] }> {
  const tally: Tally = { changes: 0, exact: 0, unresolvedButRight: 0, staleDiffered: 0 };
  const failures: string[] = [];
  let stack = o.start;
  for (let c = 0; c < o.count; c++) {
    const { stack: next, what } = o.plan(c, stack);
    const before = reality(o.store.toJSON());
    const tenant = await readTenantView({ connection: { url: o.url, token: o.token } });
    const digest = parsePreview(await o.driver.preview(next), "preview.json");
    const impact = analyse(sidesOf(digest), { tenant });
    const stale = analyse(sidesOf(digest));
    const errors = await o.driver.up(next);
    if (errors.length) {
      failures.push(`change ${c} (${what.join("; ")}): up failed: ${errors.join("; ")}`);
      break;
    }
    const previous = stack;
    stack = next;
    const after = reality(o.store.toJSON());
    tally.changes++;
    const wrong = compare(impact.report, before, after, { before: previous, after: stack });
    if (wrong.length) failures.push(`change ${c} (${what.join("; ")}):\n    ${wrong.join("\n    ")}`);
    if (wrong.length && process.env.VEZA_IMPACT_DIFF_DEBUG) {
      const holds = (x: Real) => JSON.stringify([...x.holds].map(([k, v]) => [k, [...v].sort()]));
      process.stdout.write(
        `change ${c}\n before ${holds(before)}\n after ${holds(after)}\n tenant ${JSON.stringify([...tenant.profiles.values()].map((t) => [t.name, t.members, t.inheritFrom]))}\n report ${JSON.stringify(impact.report)}\n preview ${JSON.stringify(digest.steps?.filter((s) => s.op !== "same").map((s) => [s.op, s.urn.split("::").pop(), s.oldState?.outputs, s.newState?.inputs]))}\n`,
      );
    } else if (!wrong.length) {
      if (impact.report.unresolved.length) tally.unresolvedButRight++;
      else tally.exact++;
    }
    if (compare(stale.report, before, after, { before: previous, after: stack }).length) tally.staleDiffered++;
  }
  return { tally, failures };
}

/** The line a run prints: its count of changes and agreements. */
export const tallyLine = (label: string, t: Tally) =>
  `[impact differential] ${label}: ${t.changes} changes, ${t.exact + t.unresolvedButRight} agree (${t.exact} exactly, ${t.unresolvedButRight} with values reported unresolved and every listed change real); without --tenant ${t.staleDiffered} of ${t.changes} would differ\n`;
