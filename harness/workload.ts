/**
 * Workloads shared by the benchmarks, the soak and the fault suite: a plain description of a tenant
 * (`Spec`), the Pulumi program that declares it with a given set of resource classes (`Kit`: ours or
 * the baseline's), generators (bootstrap at scale, random mutations) and exact checks of the server
 * against a spec and of a stack's state against the server.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { EmulatorStore } from "../emulator";
import type { EngineState } from "./index";
import { mulberry32 } from "../emulator/knobs";

// ---- the description ----------------------------------------------------------------------------

export interface TypeSpec {
  key: string;
  name: string;
  description: string;
  /** Profiles of this type inherit (allowInheritEntities, allowed from the listed type keys). */
  inheritsFrom?: string[];
}

export interface ProfileSpec {
  key: string;
  name: string;
  type: string;
  description: string;
  labels: string[];
  /** Entity ids (SalesforceGroup in datasource sf-1). */
  entities: string[];
  /** Keys of profiles this one's version inherits from. */
  inherits: string[];
  /** Identity ids of the membership. */
  members: string[];
}

export interface Spec {
  types: TypeSpec[];
  profiles: ProfileSpec[];
}

export const clone = (s: Spec): Spec => JSON.parse(JSON.stringify(s)) as Spec;

// ---- the program --------------------------------------------------------------------------------

type Ctor<T> = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => T;
interface WithId {
  id: pulumi.Output<string>;
}

/** The four resource classes a program is written with. */
export interface Kit {
  AccessProfileType: Ctor<WithId>;
  AccessProfile: Ctor<WithId & { currentVersionNumber: pulumi.Output<number> }>;
  AccessProfileVersion: Ctor<WithId>;
  ProfileMembership: Ctor<WithId>;
}

export const entity = (id: string) => ({ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: id });

export interface ProgramOptions {
  /** Pass `versionNumber: profile.currentVersionNumber` to versions and memberships (default true). */
  versionNumber?: boolean;
  /** Declare the memberships (default true); "with-members": only for profiles that have members. */
  memberships?: boolean | "with-members";
}

/** Logical names: t-<key>, p-<key>, v-<key>, m-<key> (the kind of a state entry is told by its prefix). */
export function program(spec: Spec, kit: Kit, o: ProgramOptions = {}): () => Record<string, unknown> {
  const withNumber = o.versionNumber ?? true;
  return () => {
    const types = new Map<string, WithId>();
    for (const t of spec.types) {
      types.set(
        t.key,
        new kit.AccessProfileType(`t-${t.key}`, {
          name: t.name,
          description: t.description,
          allowCreateRelationships: true,
          ...(t.inheritsFrom ? { allowInheritEntities: true, allowInheritedFromTypes: t.inheritsFrom.map((k) => types.get(k)!.id) } : {}),
        }),
      );
    }
    const profiles = new Map<string, WithId & { currentVersionNumber: pulumi.Output<number> }>();
    for (const p of spec.profiles) {
      profiles.set(
        p.key,
        new kit.AccessProfile(`p-${p.key}`, {
          name: p.name,
          profileType: types.get(p.type)!.id,
          description: p.description,
          labels: p.labels,
        }),
      );
    }
    for (const p of spec.profiles) {
      const profile = profiles.get(p.key)!;
      new kit.AccessProfileVersion(`v-${p.key}`, {
        accessProfileId: profile.id,
        ...(withNumber ? { versionNumber: profile.currentVersionNumber } : {}),
        entities: p.entities.map(entity),
        inheritFrom: p.inherits.map((k) => profiles.get(k)!.id),
      });
      if (o.memberships === false || (o.memberships === "with-members" && p.members.length === 0)) continue;
      new kit.ProfileMembership(`m-${p.key}`, {
        accessProfileId: profile.id,
        ...(withNumber ? { versionNumber: profile.currentVersionNumber } : {}),
        identityIds: p.members,
      });
    }
    return { profiles: spec.profiles.length };
  };
}

/** Resources the program declares (for "requests per resource"). */
export const resourceCount = (s: Spec, o: ProgramOptions = {}) =>
  s.types.length +
  2 * s.profiles.length +
  (o.memberships === false ? 0 : o.memberships === "with-members" ? s.profiles.filter((p) => p.members.length).length : s.profiles.length);

/** The issue's case: one type and `n` profiles of it, each with a version (entities only, no inheritance, no members). */
export function flatSpec(n: number, prefix = "flat"): Spec {
  const s = bootstrapSpec(n, prefix);
  return { types: [s.types[0]], profiles: s.profiles.map((p) => ({ ...p, type: s.types[0].key, inherits: [], members: [] })) };
}

// ---- generators ---------------------------------------------------------------------------------

/**
 * Issue 31's large tenant: one type (inheritance allowed from any type) and `n` profiles of it, each
 * with a version of 2 entities; 1 in 10 (key ending in 9) inherits from the two profiles before it and
 * has a membership of 2 identities. Declare it with `{ memberships: "with-members" }`: n profiles, n
 * versions, n/10 memberships.
 */
export function tenantSpec(n: number, prefix = "tenant"): Spec {
  const types: TypeSpec[] = [{ key: "role", name: `${prefix} Role`, description: "every profile of the tenant", inheritsFrom: [] }];
  const key = (i: number) => String(i).padStart(5, "0");
  const profiles: ProfileSpec[] = [];
  for (let i = 0; i < n; i++) {
    const joins = i % 10 === 9;
    profiles.push({
      key: key(i),
      name: `${prefix} profile ${key(i)}`,
      type: "role",
      description: `profile ${i}`,
      labels: i % 2 ? ["requestable", "bench"] : ["bench"],
      entities: [`g-${i}-a`, `g-${i}-b`],
      inherits: joins ? [key(i - 1), key(i - 2)] : [],
      members: joins ? [`u-${i % 997}`, `u-${(i * 7 + 3) % 997}`].filter((x, j, a) => a.indexOf(x) === j) : [],
    });
  }
  return { types, profiles };
}

/** The inheritance edit whose impact the scale bench measures: the first inheriting profile also inherits from profile 3. */
export function inheritanceEdit(spec: Spec): Spec {
  const s = clone(spec);
  const p = s.profiles.find((x) => x.inherits.length > 0);
  if (!p || s.profiles.length < 4) throw new Error("inheritanceEdit: the spec has no inheriting profile");
  p.inherits = [...p.inherits, s.profiles[3]!.key];
  return s;
}

/**
 * `n` profiles over three types: two plain ones and an inheriting one (allowed to inherit from the
 * other two). Every profile has 2 entities and 2 members; 1 in 10 profiles of the inheriting type
 * inherits from 2 earlier profiles of the plain types.
 */
export function bootstrapSpec(n: number, prefix = "bench"): Spec {
  const types: TypeSpec[] = [
    { key: "plain0", name: `${prefix} Application`, description: "plain profiles (entities)" },
    { key: "plain1", name: `${prefix} Group`, description: "plain profiles (entities)" },
    { key: "role", name: `${prefix} Role`, description: "inheriting profiles", inheritsFrom: ["plain0", "plain1"] },
  ];
  const profiles: ProfileSpec[] = [];
  const plain: string[] = [];
  let roles = 0;
  for (let i = 0; i < n; i++) {
    const type = types[i % 3].key;
    const key = String(i).padStart(4, "0");
    let inherits: string[] = [];
    if (type === "role") {
      if (roles % 10 === 0 && plain.length >= 2) inherits = [plain[plain.length - 1], plain[plain.length - 2]];
      roles++;
    } else plain.push(key);
    profiles.push({
      key,
      name: `${prefix} profile ${key}`,
      type,
      description: `profile ${i}`,
      labels: i % 2 ? ["requestable", "bench"] : ["bench"],
      entities: [`g-${i}-a`, `g-${i}-b`],
      inherits,
      members: [`u-${i % 97}`, `u-${(i * 7 + 3) % 97}`].filter((x, j, a) => a.indexOf(x) === j),
    });
  }
  return { types, profiles };
}

/** A small seeded PRNG (the emulator's mulberry32), so a soak or a fault test is reproducible from its seed. */
export const rng = mulberry32;

export interface Mutation {
  created: number;
  updated: number;
  deleted: number;
}

/**
 * Applies a few random changes to a spec: new profiles, removed profiles (their inheritors stop
 * inheriting from them in the same step), changed descriptions, labels, entities, members and
 * inheritance. Types stay; profiles never change type (a replace of an inherited profile is refused
 * by the server, by design). Returns the next spec and what was changed.
 */
export function mutate(prev: Spec, random: () => number, serial: { next: number }, maxProfiles = 30): { spec: Spec; changes: Mutation } {
  const s = clone(prev);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const changes: Mutation = { created: 0, updated: 0, deleted: 0 };
  const ops = 1 + Math.floor(random() * 6);
  for (let i = 0; i < ops; i++) {
    const r = random();
    if ((r < 0.3 || s.profiles.length < 4) && s.profiles.length < maxProfiles) {
      const key = `s${serial.next++}`;
      const type = pick(s.types).key;
      const plain = s.profiles.filter((p) => p.type !== "role").map((p) => p.key);
      s.profiles.push({
        key,
        name: `soak profile ${key}`,
        type,
        description: `created at ${key}`,
        labels: random() < 0.5 ? ["soak"] : ["soak", "requestable"],
        entities: [`g-${key}`],
        inherits: type === "role" && plain.length && random() < 0.5 ? [pick(plain)] : [],
        members: [`u-${Math.floor(random() * 20)}`],
      });
      changes.created++;
    } else if (r < 0.45 && s.profiles.length > 2) {
      const gone = pick(s.profiles);
      s.profiles = s.profiles.filter((p) => p !== gone);
      for (const p of s.profiles) {
        if (p.inherits.includes(gone.key)) {
          p.inherits = p.inherits.filter((k) => k !== gone.key);
          changes.updated++;
        }
      }
      changes.deleted++;
    } else if (s.profiles.length) {
      const p = pick(s.profiles);
      const what = Math.floor(random() * 5);
      if (what === 0) p.description = `changed ${serial.next++}`;
      else if (what === 1) p.labels = p.labels.includes("requestable") ? ["soak"] : ["requestable", "soak"];
      else if (what === 2)
        p.entities = random() < 0.5 && p.entities.length > 1 ? p.entities.slice(1) : [...p.entities, `g-${p.key}-${serial.next++}`];
      else if (what === 3)
        p.members =
          random() < 0.5 && p.members.length > 1 ? p.members.slice(1) : [...new Set([...p.members, `u-${Math.floor(random() * 20)}`])];
      else if (p.type === "role") {
        const plain = s.profiles.filter((x) => x.type !== "role").map((x) => x.key);
        p.inherits = p.inherits.length ? [] : plain.length ? [pick(plain)] : [];
      } else p.description = `changed ${serial.next++}`;
      changes.updated++;
    }
  }
  return { spec: s, changes };
}

// ---- checks -------------------------------------------------------------------------------------

const sorted = (xs: Iterable<string>) => [...xs].sort();
const same = (a: Iterable<string>, b: Iterable<string>) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/** Names that appear more than once on the server (types and profiles). */
export function duplicateNames(store: EmulatorStore): string[] {
  const names = [...store.listTypes().map((t) => `type:${t.name}`), ...store.listProfiles().map((p) => `profile:${p.name}`)];
  const seen = new Set<string>();
  return names.filter((n) => seen.has(n) || !seen.add(n));
}

/**
 * Differences between the server and what the spec declares (types and profiles by name, every
 * managed field, each profile's current version: entities, inheritance by name, members). Objects of
 * other names (none in these workloads) count as differences too: "exactly".
 */
export function serverVsSpec(spec: Spec, store: EmulatorStore): string[] {
  const out: string[] = [];
  const typesByName = new Map(store.listTypes().map((t) => [t.name, t]));
  const typeKeyById = new Map<string, string>();
  if (
    !same(
      typesByName.keys(),
      spec.types.map((t) => t.name),
    )
  )
    out.push(`types: server ${JSON.stringify(sorted(typesByName.keys()))}`);
  for (const t of spec.types) {
    const rec = typesByName.get(t.name);
    if (!rec) continue;
    typeKeyById.set(rec.id, t.key);
    if (rec.description !== t.description) out.push(`type ${t.name}: description ${JSON.stringify(rec.description)}`);
  }
  const profiles = store.listProfiles();
  const nameById = new Map(profiles.map((p) => [p.id, p.name]));
  const byName = new Map(profiles.map((p) => [p.name, p]));
  const specNames = spec.profiles.map((p) => p.name);
  const declared = new Set(specNames);
  const extra = profiles.filter((p) => !declared.has(p.name)).map((p) => p.name);
  const missing = specNames.filter((n) => !byName.has(n));
  if (extra.length)
    out.push(`profiles on the server, not declared: ${extra.slice(0, 5).join(", ")}${extra.length > 5 ? ` (+${extra.length - 5})` : ""}`);
  if (missing.length)
    out.push(
      `profiles declared, missing on the server: ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` (+${missing.length - 5})` : ""}`,
    );
  const keyToName = new Map(spec.profiles.map((p) => [p.key, p.name]));
  for (const p of spec.profiles) {
    const rec = byName.get(p.name);
    if (!rec) continue;
    const where = `profile ${p.name}`;
    if (typeKeyById.get(rec.profile_type) !== p.type) out.push(`${where}: type ${rec.profile_type}`);
    if (rec.description !== p.description) out.push(`${where}: description ${JSON.stringify(rec.description)}`);
    if (!same(rec.labels, p.labels)) out.push(`${where}: labels ${JSON.stringify(rec.labels)}`);
    const v = store.currentVersion(rec);
    if (!v) {
      out.push(`${where}: no current version`);
      continue;
    }
    const ents = v.entities_to_create_relationships_to.map((e) => `${e.entity_type}/${e.datasource_id}/${e.entity_id}`);
    if (
      !same(
        ents,
        p.entities.map((e) => `SalesforceGroup/sf-1/${e}`),
      )
    )
      out.push(`${where}: entities ${JSON.stringify(ents)}`);
    const inh = v.inherit_entities_from_access_profiles.map((id) => nameById.get(id) ?? `?${id}`);
    if (
      !same(
        inh,
        p.inherits.map((k) => keyToName.get(k)!),
      )
    )
      out.push(`${where}: inherits ${JSON.stringify(inh)}`);
    const members = v.members.map((m) => m.identity_id);
    if (!same(members, p.members)) out.push(`${where}: members ${JSON.stringify(members)}`);
  }
  return out;
}

export interface StateCheck {
  /** On the server, not in state (types and profiles). */
  orphans: string[];
  /** In state, gone from the server. */
  ghosts: string[];
}

/** Every type and profile in state exists on the server and vice versa; versions/memberships point at live profiles. */
export function stateVsServer(state: EngineState, store: EmulatorStore): StateCheck {
  const live = state.resources.filter((r) => !r.delete && r.id);
  const ids = (prefix: string) => new Set(live.filter((r) => r.name.startsWith(prefix)).map((r) => r.id!));
  const stateTypes = ids("t-");
  const stateProfiles = ids("p-");
  const serverTypes = store.listTypes();
  const serverProfiles = store.listProfiles();
  const orphans = [
    ...serverTypes.filter((t) => !stateTypes.has(t.id)).map((t) => `type ${t.name}`),
    ...serverProfiles.filter((p) => !stateProfiles.has(p.id)).map((p) => `profile ${p.name}`),
  ];
  const serverIds = new Set([...serverTypes.map((t) => t.id), ...serverProfiles.map((p) => p.id)]);
  const ghosts = [
    ...[...stateTypes, ...stateProfiles].filter((id) => !serverIds.has(id)).map((id) => `object ${id}`),
    ...live
      .filter((r) => r.name.startsWith("v-") || r.name.startsWith("m-"))
      .filter((r) => !serverIds.has(r.id!.split("/versions/")[0]))
      .map((r) => `${r.name} ${r.id}`),
  ];
  return { orphans, ghosts };
}
