/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }] },
  testTimeout: 60000,
  maxWorkers: 2,
  setupFilesAfterEnv: ["<rootDir>/tests/jest.setup.ts"],
};
