/**
 * The shapes `pulumi-veza impact` accepts (input.ts), as zod schemas: loaded only when input.ts's
 * own check of a document fails, to say what is wrong with it (zod is 95 modules to load, and its
 * check of a 10,000-profile preview takes a tenth of a second).
 */
import { z } from "zod";

/** Property values: checked to be an object, not copied (a preview of 10,000 profiles holds 50,000 of them). */
const propertyMap = z.custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
  error: "must be an object of property values",
});

export const resourceV3 = z.looseObject({
  urn: z.string({ error: "must be a URN string" }),
  type: z.string({ error: "must be a type token string" }),
  id: z.string().optional(),
  inputs: propertyMap.nullish(),
  outputs: propertyMap.nullish(),
  dependencies: z.array(z.string()).nullish(),
  propertyDependencies: z.record(z.string(), z.array(z.string()).nullable()).nullish(),
  delete: z.boolean().optional(),
  external: z.boolean().optional(),
});
export type ResourceV3 = z.infer<typeof resourceV3>;

export const previewStep = z.looseObject(
  {
    op: z.string({ error: "must be a step operation string (same, create, update, ...)" }),
    urn: z.string({ error: "must be a URN string" }),
    oldState: resourceV3.nullish(),
    newState: resourceV3.nullish(),
  },
  { error: "must be a step object ({op, urn, oldState, newState})" },
);
export type PreviewStep = z.infer<typeof previewStep>;

export const previewDigest = z.looseObject({
  config: z.record(z.string(), z.unknown()).nullish(),
  steps: z.array(previewStep, { error: "must be a list of steps" }),
  diagnostics: z.array(z.unknown()).nullish(),
  changeSummary: z.record(z.string(), z.number()).nullish(),
});
export type PreviewDigest = z.infer<typeof previewDigest>;

export const stackExport = z.looseObject({
  version: z.number({ error: "must be the deployment version number" }),
  deployment: z.looseObject(
    { resources: z.array(resourceV3, { error: "must be a list of resources" }).nullish() },
    { error: "must be an object" },
  ),
});

export function firstIssue(err: z.ZodError): string {
  const issue = err.issues[0]!;
  const at = issue.path.length
    ? issue.path
        .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
        .join("")
        .replace(/^\./, "")
    : "the document";
  return `${at}: ${issue.message}`;
}
