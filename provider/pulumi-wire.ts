/**
 * The sentinels of Pulumi's property values on the wire and in its JSON documents, defined once
 * for the provider, the impact command and the test engine (harness/values.ts). They are Pulumi's
 * (sdk/nodejs/runtime/rpc.ts `unknownValue`, `specialSigKey`, `specialSecretSig`,
 * `specialResourceSig`, `specialOutputValueSig`; the CLI's `computedValuePlaceholder`), read here
 * without loading `@pulumi/pulumi`, which the impact command and the export CLI do not load.
 */

/** A value not known yet: an input during `pulumi preview`, at any depth; also how the CLI's JSON writes one. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The key whose value says what kind of special object this is. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** `{[SIG_KEY]: SECRET_SIG, value}` (in a state file: `ciphertext` or `plaintext` instead of `value`). */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** `{[SIG_KEY]: RESOURCE_SIG, urn, id}`: a resource reference. */
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** `{[SIG_KEY]: OUTPUT_VALUE_SIG, value?, secret?, dependencies?}`: an output value. */
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
