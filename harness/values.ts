/**
 * Conversions between the three shapes a property value takes in the harness:
 *
 *  - engine form: what the Pulumi language runtime serializes (`req.getObject().toJavaScript()`):
 *    secrets are `{[sigKey]: secretSig, value}`, unknowns are the sentinel string, resource
 *    references are `{[sigKey]: resourceSig, urn, id}`.
 *  - provider form: what goes over gRPC to the dynamic-provider server. The server answers
 *    Configure with acceptSecrets=false (and never asks for resource references), so the engine
 *    strips secrets and turns resource references into their id (or urn). Unknowns stay sentinels.
 *  - state form: engine form with each secret's value replaced by `ciphertext` (the real engine
 *    encrypts secrets in state; so does the harness, with a fixed harness key).
 */
import * as crypto from "crypto";

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

function isObj(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isSecret(v: unknown): v is { value: Json } {
  return isObj(v) && v[SIG_KEY] === SECRET_SIG;
}

export function wrapSecret(v: Json): JsonObject {
  return { [SIG_KEY]: SECRET_SIG, value: v };
}

/** Engine form -> provider form: unwrap secrets, resource refs -> id (or urn). */
export function toProvider(v: Json): Json {
  if (Array.isArray(v)) return v.map(toProvider);
  if (!isObj(v)) return v;
  const sig = v[SIG_KEY];
  if (sig === SECRET_SIG) return toProvider(v.value ?? null);
  if (sig === RESOURCE_SIG) {
    if (typeof v.id === "string") return v.id === "" ? UNKNOWN : v.id;
    return (v.urn as string) ?? null;
  }
  if (sig === OUTPUT_VALUE_SIG) return "value" in v ? toProvider(v.value) : UNKNOWN;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = toProvider(x);
  return out;
}

export function toProviderObject(v: JsonObject | undefined): JsonObject {
  return (toProvider(v ?? {}) as JsonObject) ?? {};
}

export function containsSecret(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(containsSecret);
  if (!isObj(v)) return false;
  if (v[SIG_KEY] === SECRET_SIG) return true;
  return Object.values(v).some(containsSecret);
}

/** Top-level keys of an engine-form object whose value is (or contains) a secret. */
export function secretKeys(obj: JsonObject | undefined): string[] {
  return Object.entries(obj ?? {})
    .filter(([, v]) => containsSecret(v))
    .map(([k]) => k);
}

/** Provider form -> engine form: mark the given top-level keys secret. */
export function markSecrets(obj: JsonObject, keys: Iterable<string>): JsonObject {
  const out: JsonObject = { ...obj };
  for (const k of keys) {
    if (k in out && !isSecret(out[k])) out[k] = wrapSecret(out[k]);
  }
  return out;
}

// ---- state encryption --------------------------------------------------------------------------

const KEY = crypto.createHash("sha256").update("pulumi-veza test harness state key").digest();

function encrypt(plain: string): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv("aes-256-gcm", KEY, iv);
  const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString("base64");
}

function decrypt(text: string): string {
  const buf = Buffer.from(text, "base64");
  const d = crypto.createDecipheriv("aes-256-gcm", KEY, buf.subarray(0, 12));
  d.setAuthTag(buf.subarray(12, 28));
  return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString("utf8");
}

/** Engine form -> state form. */
export function encryptSecrets(v: Json): Json {
  if (Array.isArray(v)) return v.map(encryptSecrets);
  if (!isObj(v)) return v;
  if (v[SIG_KEY] === SECRET_SIG) {
    return { [SIG_KEY]: SECRET_SIG, ciphertext: encrypt(JSON.stringify(v.value ?? null)) };
  }
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = encryptSecrets(x);
  return out;
}

/** State form -> engine form. */
export function decryptSecrets(v: Json): Json {
  if (Array.isArray(v)) return v.map(decryptSecrets);
  if (!isObj(v)) return v;
  if (v[SIG_KEY] === SECRET_SIG && typeof v.ciphertext === "string") {
    return wrapSecret(JSON.parse(decrypt(v.ciphertext)) as Json);
  }
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = decryptSecrets(x);
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
