/**
 * Building blocks of hand-written preview digests for the impact's tests: a resource's state as
 * `pulumi preview --json` writes it (inputs and outputs the same, as a dynamic resource's are), the
 * steps around it, an entitlement, and how an identity holds a profile. Each test file writes its
 * own profiles, versions and memberships from these (their defaults differ by what the file tests).
 */
export const T = "pulumi-nodejs:dynamic/veza:";
export const urn = (kind: string, name: string) => `urn:pulumi:dev::acme::${T}${kind}::${name}`;
export type Props = Record<string, unknown>;
export const state = (kind: string, name: string, id: string | undefined, outputs: Props, extra: Props = {}) => ({
  urn: urn(kind, name),
  type: `${T}${kind}`,
  custom: true,
  ...(id ? { id } : {}),
  inputs: outputs,
  outputs,
  ...extra,
});
export type S = ReturnType<typeof state>;
export const same = (s: S) => ({ op: "same", urn: s.urn, oldState: s, newState: s });
export const update = (o: S, n: S) => ({ op: "update", urn: o.urn, oldState: o, newState: n });
export const del = (o: S) => ({ op: "delete", urn: o.urn, oldState: o });
export const e = (entityId: string) => ({ entityType: "OktaGroup", datasourceId: "okta", entityId });
/** How an identity holds the first profile of a path: through the stack's memberships named. */
export const through = (...memberships: string[]) => ({ memberships, grantedInVeza: false, unreadable: [] });
