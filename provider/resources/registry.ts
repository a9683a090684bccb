/**
 * Every resource this provider implements, by kind (the runtime dispatcher's table). Adding a
 * resource: declare it in its own file (see CONTRIBUTING.md) and list it here.
 */
import { accessProfileType } from "./access-profile-type";
import { accessProfile } from "./access-profile";
import { accessProfileVersion } from "./access-profile-version";
import { profileMembership } from "./profile-membership";
import type { DeclaredResource } from "./shared/declare";

export const RESOURCES: Readonly<Record<string, DeclaredResource<any>>> = Object.fromEntries(
  [accessProfileType, accessProfile, accessProfileVersion, profileMembership].map((r) => [r.kind, r]),
);
