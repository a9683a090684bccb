/**
 * `read` returns `inputs`: the inputs the program manages, with Veza's current values. A refresh then
 * updates the inputs in state the way Pulumi expects: `ignoreChanges` (which takes an ignored input
 * from the old inputs) keeps an admin's edit instead of writing the old value back, and a preview
 * after a refresh shows every drifted input, since the CLI shows an update of a dynamic resource by
 * comparing the old inputs with the program's.
 *
 * `read` receives only the outputs, so they keep the inputs the program set (`__inputs`; an unset
 * input is not managed and stays out). A refresh returns, for each, the value it had when Veza still
 * agrees with it (compared the way the diff compares: a list in another order is the same), else
 * Veza's value (the output of the same name). So an input that did not drift keeps the program's
 * form, and the CLI's update row names only what drifted. `__inputs` is secret when any input is
 * (./options.ts), like every output that carries an input's values.
 */

/** The output holding the inputs the program set. Its `__` prefix keeps it out of the CLI's diff display. */
export const MANAGED_INPUTS = "__inputs";

/** `outs` with the inputs the program set (not internal `__` ones). */
export function withManagedInputs(outs: Record<string, unknown>, inputs: Record<string, unknown> | undefined): Record<string, unknown> {
  const managed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs ?? {})) if (!k.startsWith("__") && v !== undefined && v !== null) managed[k] = v;
  return { ...outs, [MANAGED_INPUTS]: managed };
}

/**
 * A read's result with `inputs` (see above). `drifted(outputs, inputs)`: the inputs whose value Veza
 * no longer has (the resource's diff). A state written before outputs kept the inputs gets no
 * inputs, and the engine keeps the old ones. An input whose output Veza left empty is left out.
 */
export function withReadInputs<R extends { id?: string; props?: Record<string, unknown> }>(
  result: R,
  previous: Record<string, unknown> | undefined,
  drifted: (outputs: Record<string, unknown>, inputs: Record<string, unknown>) => string[],
): R & { inputs?: Record<string, unknown> } {
  const managed = previous?.[MANAGED_INPUTS];
  if (!result.id || !managed || typeof managed !== "object" || Array.isArray(managed)) return result;
  const props: Record<string, unknown> = { ...result.props, [MANAGED_INPUTS]: managed };
  const moved = new Set(drifted(props, managed as Record<string, unknown>));
  const inputs: Record<string, unknown> = {};
  for (const [n, was] of Object.entries(managed as Record<string, unknown>)) {
    const now = moved.has(n) ? props[n] : was;
    if (now !== undefined && now !== null) inputs[n] = now;
  }
  return { ...result, props, inputs };
}
