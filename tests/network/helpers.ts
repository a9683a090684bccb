/** Shared set-up of the network tests: a clean proxy/log environment and a four-resource stack. */
import * as veza from "../../provider";

/** The provider process starts with none of the variables these tests are about (the machine may set some). */
export const CLEAN_ENV: Record<string, string | undefined> = {
  HTTP_PROXY: undefined,
  http_proxy: undefined,
  HTTPS_PROXY: undefined,
  https_proxy: undefined,
  NO_PROXY: undefined,
  no_proxy: undefined,
  grpc_proxy: undefined,
  VEZA_PROXY: undefined,
  VEZA_LOG: undefined,
  VEZA_ALLOW_INSECURE_HTTP: undefined,
  NODE_EXTRA_CA_CERTS: undefined,
  NODE_TLS_REJECT_UNAUTHORIZED: undefined,
};

/** A type, a profile, its version and a membership: POST, POST, PATCH, PUT on create. */
export function smallStack(suffix = "") {
  return () => {
    const t = new veza.AccessProfileType("net-type", { name: `Net Type${suffix}`, allowCreateRelationships: true });
    const p = new veza.AccessProfile("net-profile", { name: `Net Profile${suffix}`, profileType: t.id, labels: ["net"] });
    new veza.AccessProfileVersion("net-v", {
      accessProfileId: p.id,
      entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "00G-net" }],
    });
    new veza.ProfileMembership("net-m", { accessProfileId: p.id, identityIds: ["net-user@example.com"] });
    return { profileId: p.id };
  };
}
