/**
 * The name of the Pulumi YAML project `export --language yaml` writes: checked as the CLI checks a
 * project's name (pulumi/sdk go/common/tokens ValidateProjectName), before anything is read, so a
 * bad name is a usage error and not a program the CLI refuses. Kept apart from the generator so the
 * command line can check it without loading the generator.
 */
import { ExportError } from "../errors";

/** Pulumi.yaml's `name` when none is given. */
export const DEFAULT_PROJECT = "veza-tenant";

/** The name, or an ExportError saying what a project name may be. */
export function checkProjectName(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) {
    throw new ExportError(
      `a Pulumi project name must be 1 to 100 letters, digits, hyphens, underscores and periods, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}
