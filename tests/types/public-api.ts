/**
 * Compile-time test of the public types (no runtime: `npm test` builds with `tsc -b tsconfig.json`,
 * which checks this file, so a regression fails the build). Each `@ts-expect-error` line must fail
 * to compile; the rest must compile. What it holds, as in Pulumi's generated packages:
 *
 * - `get(name, id)`, `get(name, id, state)` and `get(name, id, undefined, opts)`;
 * - every input has an output of the same name (so `get` reads it);
 * - outputs are plain shapes (an entity's fields are strings, not `Input<string>`);
 * - returned look-up types have no index signature (a misspelt property does not compile).
 */
import * as pulumi from "@pulumi/pulumi";
import * as veza from "../../provider";

/** Compiles only when T is `never`. */
type Never<T extends never> = T;

// every input has an output of the same name
export type TypeInputsWithoutOutput = Never<Exclude<keyof veza.AccessProfileTypeArgs, keyof veza.AccessProfileType>>;
export type ProfileInputsWithoutOutput = Never<Exclude<keyof veza.AccessProfileArgs, keyof veza.AccessProfile>>;
export type VersionInputsWithoutOutput = Never<Exclude<keyof veza.AccessProfileVersionArgs, keyof veza.AccessProfileVersion>>;
export type MembershipInputsWithoutOutput = Never<Exclude<keyof veza.ProfileMembershipArgs, keyof veza.ProfileMembership>>;

/** Not a test that runs: a program that must type-check. */
export function program(parent: pulumi.ComponentResource): void {
  // get as Pulumi's generated packages have it
  const p = veza.AccessProfile.get("p", "id");
  veza.AccessProfile.get("p2", "id", undefined, { parent });
  veza.AccessProfile.get("p3", "id", { name: "Sales", labels: ["requestable"], requireApprovalToStart: pulumi.output(true) }, { parent });
  veza.AccessProfileType.get("t", "id", undefined, { parent, protect: true });
  veza.AccessProfileVersion.get("v", "id/versions/1", { versionNumber: 1 });
  veza.ProfileMembership.get("m", "id/versions/1/members", {}, { parent });
  // @ts-expect-error resource options in the place of the state: no property in common
  veza.AccessProfile.get("p4", "id", { parent });
  // @ts-expect-error a state property that is no output
  veza.AccessProfile.get("p5", "id", { nmae: "x" });

  // outputs that were missing, now read by get
  const approval: pulumi.Output<boolean> = p.requireApprovalToStart;
  const catalog: pulumi.Output<veza.CatalogItemInfo | undefined> = p.catalogItemInfo;
  const custom: pulumi.Output<Record<string, string> | undefined> = p.customProperties;
  const policy: pulumi.Output<string | undefined> = p.accessRequestPolicyId;
  const t = veza.AccessProfileType.get("t2", "id");
  const transformer: pulumi.Output<Record<string, unknown> | undefined> = t.nameTransformer;
  const sync: pulumi.Output<number | undefined> = t.timeBeforeSyncCheckInSeconds;
  void [approval, catalog, custom, policy, transformer, sync];

  // plain output shapes
  const v = veza.AccessProfileVersion.get("v2", "id/versions/1");
  v.entities.apply((entities) => {
    const first: veza.EntityOutput | undefined = entities[0];
    const type: string | undefined = first?.entityType;
    const conditionText: string | undefined = first?.condition?.conditionString;
    return [type, conditionText];
  });
  v.applicationSyncIdentityAction.apply((a) => {
    const policyId: string | undefined = a?.policyId;
    return policyId;
  });
  v.entities.apply((entities) => {
    // @ts-expect-error an output entity is not the input shape: its fields are plain, never Output
    const asInput: pulumi.Output<string> = entities[0].entityType;
    return asInput;
  });

  // look-ups: no index signature
  veza.listAccessProfilesOutput().apply((profiles) => {
    const first = profiles[0];
    const name: string = first.name;
    const version: number | undefined = first.currentVersion?.versionNumber;
    // @ts-expect-error a misspelt property does not compile
    const typo = first.nmae;
    return [name, version, typo];
  });
}
