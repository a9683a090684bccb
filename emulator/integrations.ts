/** Which integration an entity belongs to, derived from its entity_type prefix. */

export const AVAILABLE_INTEGRATIONS = ["ACTIVE_DIRECTORY", "AWS", "AZURE", "GOOGLE", "OKTA", "SALESFORCE", "WORKDAY"] as const;

const PREFIXES: ReadonlyArray<[RegExp, string]> = [
  [/^salesforce/i, "SALESFORCE"],
  [/^aws/i, "AWS"],
  [/^activedirectory/i, "ACTIVE_DIRECTORY"],
  [/^okta/i, "OKTA"],
  [/^azure/i, "AZURE"],
  [/^google/i, "GOOGLE"],
  [/^workday/i, "WORKDAY"],
];

/** The integration of an entity type, or undefined when the prefix is not one the emulator knows. */
export function integrationOf(entityType: string): string | undefined {
  for (const [re, name] of PREFIXES) if (re.test(entityType)) return name;
  return undefined;
}
