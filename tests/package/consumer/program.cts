// A user's program in CommonJS, as `pulumi new typescript` starts one, type-checked against the packed
// tarball (not the repository's sources) as index.ts under each CommonJS tsconfig beside this file
// (pulumi-template/: Pulumi's own, as is). It uses every export of "pulumi-veza":
// tests/package/package.test.ts fails when the package exports a name this file does not mention.
import * as pulumi from "@pulumi/pulumi";
import * as veza from "pulumi-veza";

const f = veza.filter;
const byType: veza.filter.Filter = f.and(f.eq("profile_type", "t-1"), f.co("labels", "requestable"), f.or(f.ne("state", 2), f.sw("name", "Sales")));
const quoted: string = f.quote("Sales \"EMEA\"");

const typeArgs: veza.AccessProfileTypeArgs = { name: "Profile", allowCreateRelationships: true, onCreateBehavior: "RUNNING" satisfies veza.ProfileStateName };
const profileType = new veza.AccessProfileType("profile", typeArgs);
const catalog: veza.CatalogItemInfo = { name: "Sales" };
const profileArgs: veza.AccessProfileArgs = { name: "Sales", profileType: profileType.id, labels: ["requestable"], catalogItemInfo: catalog };
const profile = new veza.AccessProfile("sales", profileArgs);
const entity: veza.Entity = { entityType: "SalesforceGroup", datasourceId: "sf", entityId: "00G1" };
const versionArgs: veza.AccessProfileVersionArgs = { accessProfileId: profile.id, entities: [entity], state: "PUBLISHED" satisfies veza.VersionStateName };
const version = new veza.AccessProfileVersion("sales-v", versionArgs);
const membershipArgs: veza.ProfileMembershipArgs = { accessProfileId: profile.id, identityIds: ["alice@example.com"], exclusive: false };
const members = new veza.ProfileMembership("sales-m", membershipArgs);

// outputs are Outputs of plain values
const versionNumber: pulumi.Output<number> = profile.currentVersionNumber;
const typeName: pulumi.Output<string> = profileType.name;
const granted: pulumi.Output<string[]> = members.identityIds;
const versionId: pulumi.Output<string> = version.id;

// every input is an output too; nested outputs are plain shapes
const approval: pulumi.Output<boolean> = profile.requireApprovalToStart;
const entities: pulumi.Output<veza.EntityOutput[]> = version.entities;
const firstEntityType: pulumi.Output<string | undefined> = version.entities.apply((es) => es[0]?.entityType);
const condition: pulumi.Output<veza.EntityCondition | undefined> = version.entities.apply((es) => es[0]?.condition);
const appAction: pulumi.Output<veza.SyncIdentityAction | undefined> = version.applicationSyncIdentityAction;
const states: readonly veza.ProfileStateName[] = veza.PROFILE_STATES;
const versionStates: readonly veza.VersionStateName[] = veza.VERSION_STATES;

// existing objects, read-only in this stack: get(name, id, state?, opts?) as in Pulumi's generated packages
const existingType: veza.AccessProfileType = veza.AccessProfileType.get("existing-type", "t-1");
const existing: veza.AccessProfile = veza.AccessProfile.get("existing", "p-1");
const typeState: veza.AccessProfileTypeState = { name: "Profile" };
const withState: veza.AccessProfileType = veza.AccessProfileType.get("existing-type-2", "t-2", typeState, { parent: profileType });
const profileState: veza.AccessProfileState = { labels: ["requestable"] };
const withOptions: veza.AccessProfile = veza.AccessProfile.get("existing-2", "p-2", profileState, { dependsOn: [profile] });
const versionState: veza.AccessProfileVersionState = { versionNumber: 1 };
const existingVersion: veza.AccessProfileVersion = veza.AccessProfileVersion.get("existing-v", "p-1/versions/1", versionState);
const membersState: veza.ProfileMembershipState = {};
const existingMembers: veza.ProfileMembership = veza.ProfileMembership.get("existing-m", "p-1/versions/1/members", membersState, {});
const anyState: veza.ResourceState<veza.AccessProfile> = profileState;

// look-ups
const listArgs: veza.ListAccessProfilesArgs = { filter: byType, entityExtraInfo: true };
const listed: Promise<veza.AccessProfileInfo[]> = veza.listAccessProfiles(listArgs);
const listedOutput: pulumi.Output<veza.AccessProfileInfo[]> = veza.listAccessProfilesOutput({ filter: profileType.id.apply((id) => f.eq("profile_type", id)) });
const currentVersions: Promise<(veza.AccessProfileVersionInfo | undefined)[]> = listed.then((ps) => ps.map((p) => p.currentVersion));
const integrations: Promise<string[]> = veza.getAvailableIntegrations();
const integrationsOutput: pulumi.Output<string[]> = veza.getAvailableIntegrationsOutput();

// the REST client
const options: veza.VezaClientOptions = { url: "https://acme.vezacloud.com", token: "t", onEvent: (e: veza.ClientEvent) => void e.kind };
const client = new veza.VezaClient(options);
const api = new veza.VezaApi(client);
const outcome: Promise<veza.DeleteOutcome> = api.deleteProfile("p-1");
const settings: veza.Settings = client.settings;
const route: string = `${veza.BASE_PATH}/${veza.ENDPOINTS.listProfiles.path}`;
function explain(e: unknown): string {
  if (e instanceof veza.VezaApiError) return `${e.method} ${e.path} ${e.status}`;
  if (e instanceof veza.VezaConfigError) return e.message;
  if (veza.VezaApiError.isInstance(e)) return String(e.status);
  if (veza.VezaError.isInstance(e)) return e.code;
  return String(e);
}

export = {
  approval,
  entities,
  firstEntityType,
  condition,
  appAction,
  states,
  versionStates,
  withState,
  withOptions,
  anyState,
  currentVersions,
  quoted, versionNumber, typeName, granted, versionId, existingType, existing, existingVersion, existingMembers, listed, listedOutput, integrations, integrationsOutput, outcome, settings, route, explain,
};
