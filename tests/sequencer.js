/**
 * The order jest starts test files in. jest runs the slowest first so that its two workers finish
 * together, but it knows how slow a file is only from its cache of the last run; from a clean
 * clone it guesses by file size, and a slow small file started last leaves one worker idle for its
 * whole length. Files the cache does not know are weighted here instead: seconds one took in a
 * "routes all" run on a loaded 2-core machine (only the order matters; a file not listed counts as
 * 1 s and starts after these). With a cache, jest's own timings win. The files whose provider runs
 * in the test process (harness/README.md, "Test layers") were scaled by what that saved them in two
 * full runs on the same loaded machine (their time fell to 0.1-0.5 of what it was, the others' to
 * about 0.5 with the load).
 */
const Sequencer = require("@jest/test-sequencer").default;
const path = require("node:path");

const ESTIMATED_SECONDS = {
  // the real Pulumi CLI: a few seconds per command, mostly waiting on processes
  "tests/real-cli/lifecycle.test.ts": 110,
  "tests/real-cli/differential.test.ts": 110,
  "tests/real-cli/start.test.ts": 100,
  "tests/real-cli/options.test.ts": 60,
  "tests/real-cli/impact.test.ts": 40,
  "tests/real-cli/impact-differential.test.ts": 70,
  "tests/faults/crash.test.ts": 108,
  "tests/faults/network.test.ts": 96,
  "tests/refresh/batched-refresh.test.ts": 48,
  "tests/examples/basic.test.ts": 16,
  "tests/conformance/access-profile-version.test.ts": 35,
  "tests/conformance/profile-membership.test.ts": 20,
  "tests/resources/stack.test.ts": 23,
  "tests/resources/access-profile.test.ts": 27,
  "tests/resources/profile-membership.test.ts": 44,
  "tests/conformance/access-profile-type.test.ts": 46,
  "tests/examples/start.test.ts": 66,
  // mostly waiting for the emulator's rate limit: started early, it overlaps with work on the other worker
  "tests/ratelimit/bootstrap.test.ts": 100,
  "tests/conformance/access-profile.test.ts": 12,
  "tests/package/package.test.ts": 53,
  "tests/impact/programs.test.ts": 74,
  "tests/impact/bootstrap.test.ts": 28,
  "tests/export/cli.test.ts": 24,
  "tests/impact/digest.test.ts": 21,
  "tests/conformance/plugin.test.ts": 15,
  // the real Pulumi CLI from a Python program: a few seconds per command
  "tests/plugin/python.test.ts": 50,
  "tests/options/options.test.ts": 4,
  "tests/engine/options.test.ts": 3,
  "tests/options/object-inputs.test.ts": 4,
  "tests/real-cli/preview-and-get.test.ts": 38,
  "tests/cli/token-rotation.test.ts": 38,
  "tests/examples/bootstrap.test.ts": 9,
  "tests/network/user-agent.test.ts": 32,
  "tests/resources/preview-and-errors.test.ts": 32,
  "tests/resources/access-profile-type.test.ts": 7,
  "tests/network/tls.test.ts": 28,
  "tests/network/log.test.ts": 28,
  "tests/export/export.test.ts": 29,
  "tests/plugin/migrate.test.ts": 20,
  "tests/real-tenant/real-tenant.test.ts": 9,
  "tests/network/proxy.test.ts": 25,
  "tests/adopt/adopt.test.ts": 20,
  "tests/lookups/lookups.test.ts": 21,
  "tests/engine/engine.test.ts": 5,
  "tests/engine/parallel.test.ts": 3,
  "tests/resources/access-profile-version.test.ts": 5,
  "tests/network/cleartext.test.ts": 16,
  "tests/docs/docs.test.ts": 12,
  "tests/resources/diff-and-check.test.ts": 9,
  "tests/fuzz/check-and-diff.test.ts": 8,
  "tests/examples/ci.test.ts": 6,
};

class EstimatedFirstRunSequencer extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached != null) return cached; // milliseconds, from the last run
    const rel = path.relative(test.context.config.rootDir, test.path).split(path.sep).join("/");
    return (ESTIMATED_SECONDS[rel] ?? 1) * 1000;
  }
}

module.exports = EstimatedFirstRunSequencer;
