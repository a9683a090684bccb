/**
 * Every resource this provider implements, by kind (the runtime dispatcher's table). Adding a
 * resource: declare it in its own file (see CONTRIBUTING.md) and list it here.
 */
import { type AccessProfileType, accessProfileType } from "./access-profile-type";
import { type AccessProfile, accessProfile } from "./access-profile";
import { type AccessProfileVersion, accessProfileVersion } from "./access-profile-version";
import { type ProfileMembership, profileMembership } from "./profile-membership";
import type { DeclaredResource, RegisteredOutputs, SameKeys } from "./shared/declare";
import type { OutputValue } from "./shared/resource-class";

export const RESOURCES: Readonly<Record<string, DeclaredResource<any, any>>> = Object.fromEntries(
  [accessProfileType, accessProfile, accessProfileVersion, profileMembership].map((r) => [r.kind, r]),
);

/** Outputs a declaration registers. */
type Registered<D> = D extends DeclaredResource<any, any, infer R> ? R : never;
/** Inputs a declaration has (its `inputs` is keyed by `<Kind>Args`). */
type Inputs<D> = D extends { inputs: infer I } ? keyof I : never;
/** The outputs as a declaration's state holds them (`<Kind>Outputs`). */
type StateOf<D> = D extends DeclaredResource<any, infer O, any> ? O : never;
/** `true` only when A and B are the same type (undefined aside: the state may lack any output). */
type SameType<A, B> = [NonNullable<A>] extends [NonNullable<B>] ? ([NonNullable<B>] extends [NonNullable<A>] ? true : never) : never;

/**
 * A class agrees with its declaration: its `declare` members are exactly the declaration's `outputs`,
 * every input has an output (so `get` reads it), and each member's type is the output's type in the
 * state (`<Kind>Outputs`). A compile error otherwise.
 */
type Agrees<C, D> = [
  SameKeys<RegisteredOutputs<C>, Registered<D>>,
  [Inputs<D>] extends [Registered<D>] ? true : never,
  { [K in RegisteredOutputs<C> & keyof StateOf<D>]: SameType<OutputValue<C[K]>, StateOf<D>[K]> }[RegisteredOutputs<C> & keyof StateOf<D>],
];

const classesAgreeWithTheirDeclarations: [
  Agrees<AccessProfileType, typeof accessProfileType>,
  Agrees<AccessProfile, typeof accessProfile>,
  Agrees<AccessProfileVersion, typeof accessProfileVersion>,
  Agrees<ProfileMembership, typeof profileMembership>,
] = [
  [true, true, true],
  [true, true, true],
  [true, true, true],
  [true, true, true],
];
void classesAgreeWithTheirDeclarations;
