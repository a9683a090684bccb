/**
 * `read` returns `inputs`: the inputs the program manages, with Veza's current values. A refresh then
 * updates the inputs in state the way Pulumi expects: `ignoreChanges` (which takes an ignored input
 * from the old inputs) keeps an admin's edit instead of writing the old value back, and a preview
 * after a refresh shows every drifted input, since the CLI shows an update of a dynamic resource by
 * comparing the old inputs with the program's.
 *
 * `read` receives only the outputs, so they keep the names of the inputs the program set (an unset
 * input is not managed and stays out of the inputs read back). Each input's current value is the
 * output of the same name (every input has one).
 */

/** The output listing the inputs the program set. Its `__` prefix keeps it out of the CLI's diff display. */
export const MANAGED_INPUTS = "__inputs";

/** `outs` with the names of the inputs the program set (not internal `__` ones). */
export function withManagedInputs(outs: Record<string, unknown>, inputs: Record<string, unknown> | undefined): Record<string, unknown> {
  const names = Object.keys(inputs ?? {}).filter((k) => !k.startsWith("__") && inputs![k] !== undefined && inputs![k] !== null);
  return { ...outs, [MANAGED_INPUTS]: names.sort() };
}

/**
 * A read's result with `inputs`: for each input the program set (as the outputs it read from say),
 * the output of the same name. A state written before outputs kept the names gets no inputs, and
 * the engine keeps the old ones. An input whose output Veza left empty is left out (Veza has none).
 */
export function withReadInputs<R extends { id?: string; props?: Record<string, unknown> }>(
  result: R,
  previous: Record<string, unknown> | undefined,
): R & { inputs?: Record<string, unknown> } {
  const names = previous?.[MANAGED_INPUTS];
  if (!result.id || !Array.isArray(names)) return result;
  const props: Record<string, unknown> = { ...result.props, [MANAGED_INPUTS]: names };
  const inputs: Record<string, unknown> = {};
  for (const n of names as string[]) if (props[n] !== undefined && props[n] !== null) inputs[n] = props[n];
  return { ...result, props, inputs };
}
