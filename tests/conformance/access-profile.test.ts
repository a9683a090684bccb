/**
 * AccessProfile through the conformance suite (suite.ts), in the routes mode of this jest project.
 * Every routes mode keeps one lifecycle through a dynamic-provider process per operation, as under
 * the CLI: in "all" and "documented" that is the real CLI's own (tests/real-cli/lifecycle.test.ts
 * runs in both), so this case serves its provider in the test process there like the others; the
 * "gateway" mode has no real-CLI lifecycle, so here this case starts a process per operation.
 */
import { ROUTES_MODE } from "../resources/helpers";
import { CASES } from "./cases";
import { conformance } from "./suite";

conformance(CASES.find((c) => c.kind === "AccessProfile")!, { provider: ROUTES_MODE === "gateway" ? "process" : "in-process" });
