/**
 * What every resource must do, one case per resource: a program that declares the resource under
 * test as "subject" (with what it needs), and how to change, drift and delete it. The suite
 * (suite.ts, run by one <resource>.test.ts per case) runs every case in every emulator routes mode. A new
 * resource adds a case.
 */
import type * as veza from "../../provider";
import type { Emulator, LoggedRequest } from "../../emulator";
import type { Summary } from "../../harness";

/**
 * The resource classes a case's program declares with: the package's dynamic resources (`veza`
 * itself), or classes registering the provider plugin's tokens (tests/plugin/in-process.ts).
 */
export type Kit = Pick<typeof veza, "AccessProfileType" | "AccessProfile" | "AccessProfileVersion" | "ProfileMembership">;

/** The program's variants each step uses. */
export interface Variant {
  /** The single-field update. */
  updated?: boolean;
  /** The same lists in another order. */
  reordered?: boolean;
  /** An input the check must refuse (named by `badInput.property`). */
  bad?: boolean;
  /** The subject's `ignoreChanges` resource option. */
  ignoreChanges?: string[];
}

export interface ConformanceCase {
  kind: string;
  /** Resources the program declares (the subject and what it needs). */
  resources: number;
  program(v: Variant, k: Kit): () => void;
  /** The update's one request: its route and, for a PATCH, its `update_mask`; for a member change, its body. */
  update: { route: string; mask?: string[]; body?: Record<string, unknown> };
  /** Whether a tenant without the assumed routes can make the update (a type's PATCH is assumed). */
  updateNeedsAssumedRoutes?: boolean;
  /** The check's failure for `bad`: the property it names. */
  badInput: { property: string };
  /** Changes the subject in Veza behind the program's back (a refresh must report it). */
  drift(emu: Emulator, id: string): void;
  /** The input `drift` changes (a preview after a refresh names it; `ignoreChanges` on it keeps Veza's value). */
  driftedInput: string;
  /** Deletes the subject in Veza behind the program's back (a refresh must drop it). */
  deleteOutOfBand(emu: Emulator, id: string): void;
  /** Whether Veza has the subject with this id (after create, after an out-of-band delete and `up`). */
  exists(emu: Emulator, id: string): boolean;
  /**
   * After destroy, what this routes mode requires: Veza no longer has the subject, or (a tenant
   * without the assumed DELETE routes) it is released the way the provider documents. Returns each
   * unmet expectation, named; an empty list means released.
   */
  released(d: Destroyed): string[];
}

/** What `released` judges: the subject's id before destroy, the destroy's summary and the requests it sent (mutating only). */
export interface Destroyed {
  emu: Emulator;
  id: string;
  destroy: Summary;
  sent: LoggedRequest[];
  hasAssumedRoutes: boolean;
}

/** The expectations among `checks` that do not hold (their descriptions). */
const unmet = (checks: Record<string, boolean>): string[] => Object.entries(checks).flatMap(([what, ok]) => (ok ? [] : [what]));

/** A profile the version and membership cases release through: gone where DELETE exists, else retired (paused). */
function profileReleased(
  d: Destroyed,
  profileId: string,
  emptied: string,
  isEmpty: (v: NonNullable<ReturnType<Emulator["store"]["currentVersion"]>>) => boolean,
): string[] {
  const p = d.emu.store.findProfile(profileId);
  if (d.hasAssumedRoutes) return unmet({ "the profile (and with it the subject) is deleted from Veza": p === undefined });
  const current = p && d.emu.store.currentVersion(p);
  return unmet({
    "the profile is kept, retired (a tenant without DELETE)": p?.state === "PAUSED",
    [`the profile's current version has ${emptied}`]: current !== undefined && isEmpty(current),
  });
}

const ent = (id: string): veza.Entity => ({ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: id });
const profileOf = (id: string) => id.split("/versions/")[0];

/** A type for the profile the version and membership cases need. */
function profileFixture(k: Kit) {
  const type = new k.AccessProfileType("fixture-type", { name: "Fixture Type", allowCreateRelationships: true });
  return new k.AccessProfile("fixture-profile", { name: "Fixture Profile", profileType: type.id });
}

export const CASES: ConformanceCase[] = [
  {
    kind: "AccessProfileType",
    resources: 3,
    program: (v, k) => () => {
      const a = new k.AccessProfileType("inherits-a", { name: "Inherit A" });
      const b = new k.AccessProfileType("inherits-b", { name: "Inherit B" });
      new k.AccessProfileType(
        "subject",
        {
          name: "Subject Type",
          description: v.updated ? "Changed" : "Initial",
          allowInheritEntities: true,
          allowInheritedFromTypes: v.reordered ? [b.id, a.id] : [a.id, b.id],
          maxEntitlements: v.bad ? -1 : 10,
        },
        { ignoreChanges: v.ignoreChanges },
      );
    },
    update: { route: "PATCH access_profiles_types/{id}", mask: ["description"] },
    updateNeedsAssumedRoutes: true,
    badInput: { property: "maxEntitlements" },
    drift: (emu, id) => emu.store.updateType(id, { description: "tampered" }, ["description"]),
    driftedInput: "description",
    deleteOutOfBand: (emu, id) => emu.store.deleteType(id),
    exists: (emu, id) => emu.store.findType(id) !== undefined,
    released: (d) =>
      d.hasAssumedRoutes
        ? unmet({ "the type is deleted from Veza": d.emu.store.findType(d.id) === undefined })
        : // a tenant without the DELETE route keeps the type: dropped from the stack with a warning naming it
          unmet({
            "the type is kept in Veza (the tenant cannot delete it)": d.emu.store.findType(d.id)?.name === "Subject Type",
            'a warning says "Subject Type" was left in Veza': d.destroy.warnings.some((w) =>
              /AccessProfileType "Subject Type": .*does not support deleting profile types; it was left in Veza/.test(w),
            ),
          }),
  },
  {
    kind: "AccessProfile",
    resources: 2,
    program: (v, k) => () => {
      const type = new k.AccessProfileType("fixture-type", { name: "Fixture Type", allowCreateRelationships: true });
      new k.AccessProfile(
        "subject",
        {
          name: "Subject Profile",
          profileType: type.id,
          description: v.updated ? "Changed" : "Initial",
          labels: v.reordered ? ["b", "a"] : ["a", "b"],
          state: v.bad ? ("BOGUS" as veza.ProfileStateName) : undefined,
        },
        { ignoreChanges: v.ignoreChanges },
      );
    },
    update: { route: "PATCH access_profiles/{id}", mask: ["description"] },
    badInput: { property: "state" },
    drift: (emu, id) => emu.store.updateProfile(id, { labels: ["tampered"] }, ["labels"]),
    driftedInput: "labels",
    deleteOutOfBand: (emu, id) => emu.store.deleteProfile(id),
    exists: (emu, id) => emu.store.findProfile(id) !== undefined,
    // deleted, or (no DELETE route) retired: paused with its current version emptied
    released: (d) => profileReleased(d, d.id, "no entities", (v) => v.entities_to_create_relationships_to.length === 0),
  },
  {
    kind: "AccessProfileVersion",
    resources: 3,
    program: (v, k) => () => {
      const profile = profileFixture(k);
      new k.AccessProfileVersion(
        "subject",
        {
          accessProfileId: profile.id,
          entities: v.bad
            ? [{ entityType: "SalesforceGroup", entityId: "g1" } as veza.Entity]
            : v.updated
              ? [ent("g1")]
              : v.reordered
                ? [ent("g2"), ent("g1")]
                : [ent("g1"), ent("g2")],
        },
        { ignoreChanges: v.ignoreChanges },
      );
    },
    update: { route: "PATCH access_profiles/{id}/versions/{version}", mask: ["entities_to_create_relationships_to"] },
    badInput: { property: "entities.0.datasourceId" },
    driftedInput: "entities",
    drift: (emu, id) => {
      const [profileId, n] = id.split("/versions/");
      emu.store.updateVersion(
        profileId,
        Number(n),
        { entities_to_create_relationships_to: [{ entity_type: "SalesforceGroup", datasource_id: "sf-1", entity_id: "tampered" }] },
        ["entities_to_create_relationships_to"],
      );
    },
    deleteOutOfBand: (emu, id) => emu.store.deleteProfile(profileOf(id)),
    exists: (emu, id) => {
      const [profileId, n] = id.split("/versions/");
      const p = emu.store.findProfile(profileId);
      return p !== undefined && emu.store.findVersion(p, Number(n)) !== undefined;
    },
    // the version's own delete empties it (documented PATCH) before its profile goes or is retired
    released: (d) => [
      ...unmet({
        "destroy empties the version's entities with one PATCH": d.sent.some(
          (q) =>
            q.route === "PATCH access_profiles/{id}/versions/{version}" &&
            ((q.body as Record<string, unknown[]> | undefined)?.entities_to_create_relationships_to ?? [1]).length === 0,
        ),
      }),
      ...profileReleased(d, profileOf(d.id), "no entities", (v) => v.entities_to_create_relationships_to.length === 0),
    ],
  },
  {
    kind: "ProfileMembership",
    resources: 3,
    program: (v, k) => () => {
      const profile = profileFixture(k);
      new k.ProfileMembership(
        "subject",
        {
          accessProfileId: profile.id,
          identityIds: v.bad ? ("u1" as unknown as string[]) : v.updated ? ["u1", "u2", "u3"] : v.reordered ? ["u2", "u1"] : ["u1", "u2"],
        },
        { ignoreChanges: v.ignoreChanges },
      );
    },
    update: { route: "PUT access_profiles/{id}/versions/{version}/members", body: { type: "ADD", identity_ids: ["u3"] } },
    badInput: { property: "identityIds" },
    driftedInput: "identityIds",
    drift: (emu, id) => {
      const [profileId, n] = id.replace(/\/members$/, "").split("/versions/");
      emu.store.changeMembers(profileId, Number(n), { type: "REMOVE", identity_ids: ["u1"] });
    },
    deleteOutOfBand: (emu, id) => emu.store.deleteProfile(profileOf(id)),
    exists: (emu, id) => {
      const [profileId, n] = id.replace(/\/members$/, "").split("/versions/");
      const p = emu.store.findProfile(profileId);
      const members = (p && emu.store.findVersion(p, Number(n))?.members) ?? [];
      return ["u1", "u2"].every((u) => members.some((m) => m.identity_id === u));
    },
    // the membership's own delete removes the members it added before their profile goes or is retired
    released: (d) => [
      ...unmet({
        "destroy removes u1 and u2 with one members REMOVE": d.sent.some((q) => {
          const body = q.body as { type?: string; identity_ids?: string[] } | undefined;
          return (
            q.route === "PUT access_profiles/{id}/versions/{version}/members" &&
            body?.type === "REMOVE" &&
            [...(body.identity_ids ?? [])].sort().join() === "u1,u2"
          );
        }),
      }),
      ...profileReleased(d, profileOf(d.id), "no members", (v) => v.members.length === 0),
    ],
  },
];
