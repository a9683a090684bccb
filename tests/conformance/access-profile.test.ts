/**
 * AccessProfile through the conformance suite (suite.ts), in the routes mode of this jest project:
 * the one case whose lifecycle starts a dynamic-provider process per operation, as under the CLI
 * (the others run the provider in the test process), so every routes mode keeps one.
 */
import { CASES } from "./cases";
import { conformance } from "./suite";

conformance(CASES.find((c) => c.kind === "AccessProfile")!, { provider: "process" });
