/** Programs several resource test files declare (a stack of every kind, wired as users wire them). */
import * as veza from "../../provider";

/** Variations of `program` each test asks for. */
export interface Shape {
  typeDescription?: string;
  labels?: string[];
  entities?: veza.Entity[];
  inheritFrom?: "base" | "none";
  members?: string[];
  profileType?: "Profile" | "Other";
  roleType?: "Business Role" | "Team Role";
  versionNumber?: number;
}

export const ent = (id: string): veza.Entity => ({ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: id });

/** Resources `program` declares: four types, two profiles, their two versions and a membership. */
export const PROGRAM_RESOURCES = 9;

/** Four types, two profiles (one inheriting from the other), their versions and a membership: PROGRAM_RESOURCES. */
export function program(s: Shape = {}) {
  return () => {
    const profileT = new veza.AccessProfileType("profile-type", {
      name: "Profile",
      description: s.typeDescription ?? "Basic profile",
      allowCreateRelationships: true,
    });
    const other = new veza.AccessProfileType("other-type", { name: "Other", allowCreateRelationships: true });
    const roleT = new veza.AccessProfileType("role-type", {
      name: "Business Role",
      allowInheritEntities: true,
      allowInheritedFromTypes: [profileT.id],
    });
    const base = new veza.AccessProfile("base", {
      name: "Salesforce Base",
      profileType: s.profileType === "Other" ? other.id : profileT.id,
      labels: s.labels ?? ["requestable", "salesforce"],
    });
    const teamT = new veza.AccessProfileType("team-type", { name: "Team Role", allowInheritEntities: true });
    const role = new veza.AccessProfile("role", { name: "Sales Role", profileType: s.roleType === "Team Role" ? teamT.id : roleT.id });
    new veza.AccessProfileVersion("base-v", {
      accessProfileId: base.id,
      versionNumber: s.versionNumber,
      entities: s.entities ?? [ent("g1"), ent("g2")],
    });
    new veza.AccessProfileVersion("role-v", { accessProfileId: role.id, inheritFrom: s.inheritFrom === "none" ? [] : [base.id] });
    new veza.ProfileMembership("base-m", { accessProfileId: base.id, identityIds: s.members ?? ["u1", "u2"] });
    return { baseId: base.id, roleId: role.id };
  };
}

/** A smaller stack with server-side enums, open enums (grantBy, condition.type) and inheritance. */
export function stack() {
  const t = new veza.AccessProfileType("t", {
    name: "Profile",
    allowCreateRelationships: true,
    onCreateBehavior: "RUNNING",
    maxEntitlements: 10,
    timeBeforeSyncCheckInSeconds: 3600,
  });
  const roleT = new veza.AccessProfileType("rt", { name: "Role", allowInheritEntities: true, allowInheritedFromTypes: [t.id] });
  const p = new veza.AccessProfile("p", {
    name: "AWS Admins",
    profileType: t.id,
    state: "PAUSED",
    labels: ["aws"],
    catalogItemInfo: { name: "AWS", recommended: true },
  });
  const role = new veza.AccessProfile("role", { name: "Ops", profileType: roleT.id, state: "RUNNING" });
  new veza.AccessProfileVersion("pv", {
    accessProfileId: p.id,
    state: "PUBLISHED",
    entities: [
      {
        entityType: "AwsIamRole",
        datasourceId: "aws-1",
        entityId: "arn:aws:iam::1:role/Admin",
        condition: { type: 1, conditionString: "department eq 'ops'" },
      },
      // grantBy and condition.type as names: the server may answer them as numbers (learned, no diff)
      {
        entityType: "AwsIamRole",
        datasourceId: "aws-1",
        entityId: "arn:aws:iam::1:role/Read",
        grantBy: "GROUP",
        condition: { type: "ATTRIBUTE", conditionString: "team eq 'sre'" },
      },
    ],
  });
  new veza.AccessProfileVersion("rv", { accessProfileId: role.id, inheritFrom: [p.id] });
  new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds: ["u1"] });
}
