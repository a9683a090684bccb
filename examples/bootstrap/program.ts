/**
 * Declares a validated catalog (see catalog.ts) as Veza resources: one AccessProfileType per type,
 * one AccessProfile per profile, one AccessProfileVersion per profile (its entities, or the ids of
 * the profiles it inherits from: those are dependencies) and one ProfileMembership per profile
 * that lists members.
 */
import * as pulumi from "@pulumi/pulumi";
import * as veza from "pulumi-veza";
import { typesInDependencyOrder, type Catalog } from "./catalog";

export interface BootstrapOutputs {
  /** Type name → AccessProfileType id. */
  typeIds: Record<string, pulumi.Output<string>>;
  /** Profile name → AccessProfile id. */
  profileIds: Record<string, pulumi.Output<string>>;
  /** Profile name → AccessProfileVersion id (`<profileId>/versions/<n>`). */
  versionIds: Record<string, pulumi.Output<string>>;
  /** Profile name → ProfileMembership id (`<profileId>/versions/<n>/members`), for profiles with members. */
  membershipIds: Record<string, pulumi.Output<string>>;
}

export function bootstrap(catalog: Catalog): BootstrapOutputs {
  // Stack config `adoptExisting: true` takes over every type and profile of the catalog that already
  // exists by name (npm start sets it for the local emulator, so a demo whose state was removed
  // picks up the tenant it left); an entry's own `adoptExisting` wins.
  const adoptAll = new pulumi.Config().getBoolean("adoptExisting");
  const types: Record<string, veza.AccessProfileType> = {};
  for (const t of typesInDependencyOrder(catalog.types)) {
    types[t.name] = new veza.AccessProfileType(`type:${t.name}`, {
      name: t.name,
      description: t.description,
      allowCreateRelationships: t.allowCreateRelationships,
      allowInheritEntities: t.allowInheritEntities,
      allowInheritedFromTypes: t.inheritsFromTypes?.map((n) => types[n]!.id),
      requireSingleDatasource: t.requireSingleDatasource,
      requireSingleIntegration: t.requireSingleIntegration,
      maxEntitlements: t.maxEntitlements,
      onCreateBehavior: t.onCreateBehavior,
      instructions: t.instructions,
      adoptExisting: t.adoptExisting ?? adoptAll,
    });
  }

  const profiles: Record<string, veza.AccessProfile> = {};
  for (const p of catalog.profiles) {
    profiles[p.name] = new veza.AccessProfile(`profile:${p.name}`, {
      name: p.name,
      profileType: types[p.type]!.id,
      description: p.description,
      labels: p.labels,
      state: p.state,
      requireApprovalToStart: p.requireApprovalToStart,
      adoptExisting: p.adoptExisting ?? adoptAll,
    });
  }

  const versionIds: Record<string, pulumi.Output<string>> = {};
  const membershipIds: Record<string, pulumi.Output<string>> = {};
  for (const p of catalog.profiles) {
    const profile = profiles[p.name]!;
    const version = new veza.AccessProfileVersion(`version:${p.name}`, {
      // no versionNumber: the profile's current version, known without a request when this run created
      // or listed the profile; the catalog is the whole truth, so an empty entity list clears
      accessProfileId: profile.id,
      entities: p.entities ?? [],
      inheritFrom: (p.inherits ?? []).map((n) => profiles[n]!.id),
    });
    versionIds[p.name] = version.id;
    if (p.members !== undefined || p.exclusiveMembers) {
      const membership = new veza.ProfileMembership(`members:${p.name}`, {
        accessProfileId: profile.id,
        identityIds: p.members ?? [],
        exclusive: p.exclusiveMembers,
      });
      membershipIds[p.name] = membership.id;
    }
  }

  const ids = <T extends pulumi.CustomResource>(r: Record<string, T>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.id]));
  return { typeIds: ids(types), profileIds: ids(profiles), versionIds, membershipIds };
}
