/**
 * Secrets on the wire of a resource provider plugin. The plugin answers Configure with
 * `acceptSecrets: true`, so the engine sends secret values wrapped (`{SIG_KEY: SECRET_SIG, value}`),
 * at any depth. The resource code wants plain values: a request's properties are unwrapped here,
 * remembering which top-level properties held a secret, and the answer wraps the outputs of those
 * names again (and the outputs that carry them under another name, a declaration's `carriedBy`), so
 * a secret never comes back as plain text. Wrapping happens only when the engine said it accepts
 * secrets in answers (ConfigureRequest.acceptSecrets).
 */
import { SECRET_SIG, SIG_KEY } from "../pulumi-wire";

export type Props = Record<string, unknown>;

function isSecret(v: unknown): v is { value?: unknown } {
  return !!v && typeof v === "object" && !Array.isArray(v) && (v as Props)[SIG_KEY] === SECRET_SIG;
}

/** `v` without secret wrappers; `found` is set when there was one. */
function unwrap(v: unknown, found: { secret: boolean }): unknown {
  if (isSecret(v)) {
    found.secret = true;
    return unwrap(v.value, found);
  }
  if (Array.isArray(v)) return v.map((x) => unwrap(x, found));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x, found)]));
  return v;
}

/** The properties as plain values, and the names of the top-level properties that held a secret. */
export function unwrapSecrets(props: Props): { plain: Props; secret: Set<string> } {
  const plain: Props = {};
  const secret = new Set<string>();
  for (const [k, v] of Object.entries(props)) {
    const found = { secret: false };
    plain[k] = unwrap(v, found);
    if (found.secret) secret.add(k);
  }
  return { plain, secret };
}

/** `props` with the named properties wrapped as secrets (already wrapped ones left as they are). */
export function wrapSecrets(props: Props, secret: Iterable<string>): Props {
  const out: Props = { ...props };
  for (const k of secret) {
    if (k in out && out[k] !== undefined && !isSecret(out[k])) out[k] = { [SIG_KEY]: SECRET_SIG, value: out[k] };
  }
  return out;
}

/** The secret inputs and the outputs that carry them under another name (`carriedBy`). */
export function secretOutputs(
  secretInputs: Iterable<string>,
  carriedBy: Partial<Record<string, readonly string[]>> | undefined,
): Set<string> {
  const out = new Set<string>();
  for (const k of secretInputs) {
    out.add(k);
    for (const c of carriedBy?.[k] ?? []) out.add(c);
  }
  return out;
}
