/**
 * Every resource this provider implements, by kind (the runtime dispatcher's table). Adding a
 * resource: declare it in its own file (see CONTRIBUTING.md) and list it here.
 */
import { AccessProfileType, accessProfileType } from "./access-profile-type";
import { AccessProfile, accessProfile } from "./access-profile";
import { AccessProfileVersion, accessProfileVersion } from "./access-profile-version";
import { ProfileMembership, profileMembership } from "./profile-membership";
import type { DeclaredResource, RegisteredOutputs, SameKeys } from "./shared/declare";

export const RESOURCES: Readonly<Record<string, DeclaredResource<any, any>>> = Object.fromEntries(
  [accessProfileType, accessProfile, accessProfileVersion, profileMembership].map((r) => [r.kind, r]),
);

/** Outputs a declaration registers. */
type Declared<D> = D extends DeclaredResource<any, any, infer Registered> ? Registered : never;

/** Each class's `declare` members are exactly its declaration's `outputs` (a compile error otherwise). */
const classesRegisterTheirDeclaredOutputs: [
  SameKeys<RegisteredOutputs<AccessProfileType>, Declared<typeof accessProfileType>>,
  SameKeys<RegisteredOutputs<AccessProfile>, Declared<typeof accessProfile>>,
  SameKeys<RegisteredOutputs<AccessProfileVersion>, Declared<typeof accessProfileVersion>>,
  SameKeys<RegisteredOutputs<ProfileMembership>, Declared<typeof profileMembership>>,
] = [true, true, true, true];
void classesRegisterTheirDeclaredOutputs;
