/**
 * Every test runs against an emulator with all routes. The lifecycle suites (the conformance suite
 * of every resource, each resource's own tests, adopt, export, refresh, short list items) run again against
 * a tenant that has only the routes the API guide documents ("documented": the rest 404): the same
 * files, parametrised by VEZA_EMULATOR_ROUTES (set from the project's `globals` in
 * tests/jest.setup.ts), not copied. A grpc-gateway-style tenant ("gateway": unbound methods 501)
 * differs from "documented" only in the status of a missing route, which every fallback reads the
 * same way (ROUTE_MISSING_STATUSES): the conformance suite runs there too.
 *
 * Most lifecycle suites serve the provider in the test process (tests/support/in-process.ts, the
 * middle layer: the same server and package code, no process per operation), so running them in
 * three modes costs little; the fault, network and rate-limit tests, and the AccessProfile
 * conformance case in "gateway", start a dynamic-provider process per operation (harness/README.md,
 * "Test layers"; in "all" and "documented" the real CLI's lifecycle does).
 */
const base = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }] },
  setupFilesAfterEnv: ["<rootDir>/tests/jest.setup.ts"],
  // @pulumi/pulumi's closure-serialization and Automation API modules load on first use (see the file)
  resolver: "<rootDir>/tests/jest-resolver.js",
  // V8's compiled code of each module kept for the worker's next test file (see the file)
  runtime: "<rootDir>/tests/jest-runtime.js",
};

// Look-ups call only documented routes, the same in every routes mode: they run in "all" only.
const LIFECYCLE_SUITES = [
  "<rootDir>/tests/conformance/**/*.test.ts",
  "<rootDir>/tests/resources/**/*.test.ts",
  "!**/tests/resources/diff-and-check.test.ts", // pure: no tenant
  "!**/tests/resources/preview-and-errors.test.ts", // previews and check failures send nothing; token and shell checks
  "<rootDir>/tests/adopt/**/*.test.ts",
  "<rootDir>/tests/options/**/*.test.ts",
  "<rootDir>/tests/export/**/*.test.ts",
  "<rootDir>/tests/refresh/batched-refresh.test.ts",
  "<rootDir>/tests/real-tenant/**/*.test.ts",
  "<rootDir>/tests/real-cli/lifecycle.test.ts", // the real Pulumi CLI
  // The provider plugin's lifecycle in this mode is the conformance suite's (tests/conformance/plugin.test.ts,
  // every resource, in process); its YAML program through the real CLI (tests/plugin/yaml.test.ts, about
  // 30 s of worker time) runs in "all" only.
];

module.exports = {
  // global options (jest ignores them inside a project)
  // Two cores: the real-CLI files keep about 1.2 cores busy each (CLI, program and provider take turns),
  // the in-process files one; a third worker fills the gaps (measured from a clean clone: see CONTRIBUTING)
  maxWorkers: 3,
  // A worker keeps every file's modules it ran (1.5-1.8 GB by the end of a run); each provider
  // process it starts is a fork of it, whose cost grows with its memory (copying and then unmapping
  // page tables took 5 % of a run's CPU; a spawn from a 500 MB process costs about 35 ms of CPU, from a
  // 1.5 GB one 60 ms). A worker above this after a file is replaced. Full runs on 2 cores: no limit
  // 299 s, 600MB 267 s, 400MB 258 s (session 8); later, interleaved: 400MB 209 and 221 s, 300MB 201
  // and 220 s (files' CPU 15 s less), 200MB 211 s beside 300MB's 215 s (29 workers instead of 18).
  workerIdleMemoryLimit: "300MB",
  // slowest first, also from a clean clone (no timings cached yet): see the file
  testSequencer: "<rootDir>/tests/sequencer.js",
  testTimeout: 60000,
  // the Pulumi CLI for tests/real-cli, built (once, before the workers) or found in the cache
  globalSetup: "<rootDir>/tests/global-setup.ts",
  // with VEZA_TEST_CPU_LOG, jest's own CPU (see the file)
  globalTeardown: "<rootDir>/tests/global-teardown.ts",
  projects: [
    { ...base, displayName: "routes all" },
    { ...base, displayName: "routes documented", testMatch: LIFECYCLE_SUITES, globals: { VEZA_EMULATOR_ROUTES: "documented" } },
    {
      ...base,
      displayName: "routes gateway",
      // resource options (tests/options) send requests in every mode, like the conformance suite
      testMatch: ["<rootDir>/tests/conformance/**/*.test.ts", "<rootDir>/tests/options/**/*.test.ts"],
      globals: { VEZA_EMULATOR_ROUTES: "gateway" },
    },
  ],
};
