/**
 * Every case of the conformance suite (suite.ts) through the provider plugin `veza` instead of the
 * dynamic provider, in this jest project's routes mode: the programs register `veza:index:*`
 * resources, the engine configures the plugin as the CLI configures a default provider and asks it
 * for previews (supportsPreview). One file for the four cases: the plugin runs in this process
 * (tests/plugin/in-process.ts), so a file's start is most of its cost.
 */
import { IN_PROCESS_PLUGIN, PLUGIN_KIT } from "../plugin/in-process";
import { CASES } from "./cases";
import { conformance } from "./suite";

for (const c of CASES) conformance(c, { through: { plugin: IN_PROCESS_PLUGIN, kit: PLUGIN_KIT } });
