/** ProfileMembership through the conformance suite (suite.ts), in the routes mode of this jest project. */
import { CASES } from "./cases";
import { conformance } from "./suite";

conformance(CASES.find((c) => c.kind === "ProfileMembership")!);
