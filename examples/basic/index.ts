import * as veza from "pulumi-veza";

// A type whose profiles grant entities directly, one profile of it, what it grants, and who holds it.
const type = new veza.AccessProfileType("app-profile", { name: "App Profile", allowCreateRelationships: true });

const profile = new veza.AccessProfile("sf-sales", { name: "Salesforce Sales User", profileType: type.id, labels: ["requestable"] });

new veza.AccessProfileVersion("sf-sales-v", {
  accessProfileId: profile.id, // no versionNumber: the profile's current version
  entities: [{ entityType: "SalesforceGroup", datasourceId: "salesforce-prod", entityId: "00G5e000001SALES" }],
});

new veza.ProfileMembership("sf-sales-members", { accessProfileId: profile.id, identityIds: ["alice@example.com"] });

export const profileId = profile.id;
