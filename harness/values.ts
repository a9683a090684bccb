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
import * as crypto from "node:crypto";
import { OUTPUT_VALUE_SIG, RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN } from "../provider/pulumi-wire";

export { OUTPUT_VALUE_SIG, RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN };

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

/**
 * The engine's same-name rule (`annotateSecrets` in pkg/resource/plugin/provider_plugin.go), for a
 * provider that does not accept secrets: an output whose key has a secret-carrying input of the same
 * name becomes secret, as a whole; where both are objects, the rule applies key by key inside them.
 * Arrays are not descended into: a secret element makes the whole output value secret.
 */
export function annotateSecrets(outs: JsonObject, ins: JsonObject | undefined): JsonObject {
  const out: JsonObject = { ...outs };
  for (const [k, inValue] of Object.entries(ins ?? {})) {
    if (!(k in out)) continue;
    const outValue = out[k];
    if (isObj(outValue) && !isSecret(outValue) && isObj(inValue) && !isSecret(inValue) && inValue[SIG_KEY] === undefined) {
      out[k] = annotateSecrets(outValue, inValue);
    } else if (!isSecret(outValue) && containsSecret(inValue)) {
      out[k] = wrapSecret(outValue);
    }
  }
  return out;
}

/**
 * `ignoreChanges` (processIgnoreChanges in pkg/resource/deploy/step_generator.go): each listed
 * property path of the new inputs takes its value from the old inputs, or is removed when the old
 * inputs do not have it. Paths are property paths: `description`, `catalogItemInfo.name`,
 * `labels[0]`, `tags["a.b"]`. Returns the paths that could not be applied (the engine's info
 * message "cannot ignore changes in added or removed elements of the path").
 */
export function applyIgnoreChanges(
  news: JsonObject,
  olds: JsonObject,
  paths: readonly string[],
): { inputs: JsonObject; invalid: string[] } {
  const inputs = JSON.parse(JSON.stringify(news)) as JsonObject;
  const invalid: string[] = [];
  for (const p of paths) {
    const keys = parsePropertyPath(p);
    if (!keys || !resetPath(inputs, olds, keys)) invalid.push(p);
  }
  return { inputs, invalid };
}

/** `a.b[0]["c.d"]` -> ["a", "b", 0, "c.d"]; undefined when malformed. */
export function parsePropertyPath(path: string): (string | number)[] | undefined {
  const keys: (string | number)[] = [];
  const re = /^(?:\.?([^.[\]"]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\])/;
  let rest = path;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m || (m[1] !== undefined && keys.length === 0 && rest.startsWith("."))) return undefined;
    keys.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3].replace(/\\(.)/g, "$1")));
    rest = rest.slice(m[0].length);
  }
  return keys.length > 0 ? keys : undefined;
}

/** PropertyPath.Reset: the value at `keys` in `dest` becomes the one in `src`; false when a parent is missing on either side. */
function resetPath(dest: Json, src: Json, keys: (string | number)[]): boolean {
  let d: Json = dest;
  let s: Json | undefined = src;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i];
    d = unwrapped(d);
    s = s === undefined ? undefined : unwrapped(s);
    const nd: Json | undefined = child(d, k);
    const ns: Json | undefined = s === undefined ? undefined : child(s, k);
    if (nd === undefined || ns === undefined) return false;
    d = nd;
    s = ns;
  }
  const last = keys[keys.length - 1];
  d = unwrapped(d);
  const sv = s === undefined ? undefined : child(unwrapped(s), last);
  if (typeof last === "number") {
    if (!Array.isArray(d) || sv === undefined || last >= d.length) return false;
    d[last] = clone(sv);
    return true;
  }
  if (!isObj(d)) return false;
  if (sv === undefined) delete d[last];
  else d[last] = clone(sv);
  return true;
}

function unwrapped(v: Json): Json {
  return isSecret(v) ? (v.value as Json) : v;
}

function child(v: Json, k: string | number): Json | undefined {
  if (typeof k === "number") return Array.isArray(v) ? v[k] : undefined;
  return isObj(v) && k in v ? v[k] : undefined;
}

function clone(v: Json): Json {
  return JSON.parse(JSON.stringify(v)) as Json;
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
