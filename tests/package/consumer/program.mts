// The same package from an ES module (named imports from the CommonJS package, as Node resolves them),
// type-checked as index.ts of a "type": "module" package under nodenext-esm/tsconfig.json.
import * as pulumi from "@pulumi/pulumi";
import {
  AccessProfile,
  AccessProfileType,
  AccessProfileVersion,
  ProfileMembership,
  VezaApi,
  VezaApiError,
  VezaClient,
  VezaConfigError,
  VezaError,
  ENDPOINTS,
  BASE_PATH,
  filter,
  getAvailableIntegrations,
  getAvailableIntegrationsOutput,
  listAccessProfiles,
  listAccessProfilesOutput,
  type AccessProfileArgs,
  type AccessProfileInfo,
  type AccessProfileTypeArgs,
  type AccessProfileVersionArgs,
  type CatalogItemInfo,
  type ClientEvent,
  type DeleteOutcome,
  type Entity,
  type ListAccessProfilesArgs,
  type ProfileMembershipArgs,
  type ProfileStateName,
  type Settings,
  type VersionStateName,
  type VezaClientOptions,
} from "pulumi-veza";
import * as veza from "pulumi-veza";

const typeArgs: AccessProfileTypeArgs = { name: "Profile", allowCreateRelationships: true, onCreateBehavior: "PAUSED" satisfies ProfileStateName };
const profileType = new AccessProfileType("profile", typeArgs);
const catalog: CatalogItemInfo = { name: "Sales" };
const profileArgs: AccessProfileArgs = { profileType: profileType.id, catalogItemInfo: catalog };
const profile = new AccessProfile("sales", profileArgs);
const entity: Entity = { entityType: "OktaGroup", datasourceId: "okta", entityId: "g1" };
const versionArgs: AccessProfileVersionArgs = { accessProfileId: profile.id, entities: [entity], state: "DRAFT" satisfies VersionStateName };
new AccessProfileVersion("sales-v", versionArgs);
const membershipArgs: ProfileMembershipArgs = { accessProfileId: profile.id, identityIds: ["bob@example.com"] };
new ProfileMembership("sales-m", membershipArgs);
const labels: pulumi.Output<string[]> = veza.AccessProfile.get("existing", "p-1").labels;

const listArgs: ListAccessProfilesArgs = { filter: filter.eq("current_version_number", 2) };
const listed: AccessProfileInfo[] = await listAccessProfiles(listArgs);
const listedOutput: pulumi.Output<AccessProfileInfo[]> = listAccessProfilesOutput();
const integrations: string[] = await getAvailableIntegrations();
const integrationsOutput: pulumi.Output<string[]> = getAvailableIntegrationsOutput();

const options: VezaClientOptions = { url: "https://acme.vezacloud.com", token: "t", onEvent: (e: ClientEvent) => void e.attempt };
const api = new VezaApi(new VezaClient(options));
const outcome: DeleteOutcome = await api.deleteType("t-1");
const settings: Settings = api.client.settings;
const route = `${BASE_PATH}/${ENDPOINTS.listTypes.path}`;
const isApiError = (e: unknown): e is VezaApiError => e instanceof VezaApiError;
const isConfigError = (e: unknown): e is VezaConfigError => e instanceof VezaConfigError;
const errorCode = (e: unknown): string | undefined => (VezaError.isInstance(e) ? e.code : undefined);

export { labels, listed, listedOutput, integrations, integrationsOutput, outcome, settings, route, isApiError, isConfigError, errorCode };
