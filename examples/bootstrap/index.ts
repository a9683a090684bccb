/**
 * The root stack (Pulumi.yaml → main: examples/bootstrap/): the access catalog in catalog.yaml,
 * validated before any request, declared as Veza access profile types, profiles, versions and
 * memberships. Stack outputs: the ids by name.
 *
 * VEZA_CATALOG=<file> points it at another catalog.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadCatalog } from "./catalog";
import { bootstrap } from "./program";

/** catalog.yaml next to this file; when running the compiled copy in dist/, the one in the sources. */
function defaultCatalogFile(): string {
  if (process.env.VEZA_CATALOG) return path.resolve(process.env.VEZA_CATALOG);
  const here = path.join(__dirname, "catalog.yaml");
  if (fs.existsSync(here)) return here;
  return path.resolve(__dirname, "..", "..", "..", "examples", "bootstrap", "catalog.yaml");
}

const ids = bootstrap(loadCatalog(defaultCatalogFile()));

export const typeIds = ids.typeIds;
export const profileIds = ids.profileIds;
export const versionIds = ids.versionIds;
export const membershipIds = ids.membershipIds;
