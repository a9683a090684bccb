/**
 * Before any test file: the Pulumi CLI the real-CLI tests run (scripts/pulumi-cli.ts). A cached
 * build is found at once; with Go on PATH and no cache, the pinned release is built here, once,
 * before the workers start (its time is printed: a cold build is not part of the suite's time). The
 * answer reaches the workers through the environment: VEZA_PULUMI_CLI_DIR and VEZA_PULUMI_CLI_VERSION,
 * or VEZA_PULUMI_CLI_SKIP with the reason the real-CLI tests then skip with.
 */
import { ensurePulumiCli, ensurePythonHost, ensureYamlHost, type HostLookup } from "../scripts/pulumi-cli";

export default function globalSetup(): void {
  const t0 = Date.now();
  const found = ensurePulumiCli((line) => process.stderr.write(`\n[pulumi-cli] ${line}`));
  if (found.cli) {
    process.env.VEZA_PULUMI_CLI_DIR = found.cli.binDir;
    process.env.VEZA_PULUMI_CLI_VERSION = found.cli.version;
    delete process.env.VEZA_PULUMI_CLI_SKIP;
    if (found.cli.source === "fresh build")
      process.stderr.write(
        `\n[pulumi-cli] built ${found.cli.version} in ${((Date.now() - t0) / 1000).toFixed(0)} s (cold build, not part of the suite's time)\n`,
      );
  } else {
    process.env.VEZA_PULUMI_CLI_SKIP = found.reason;
    process.stderr.write(`\n[pulumi-cli] the real-CLI tests skip: ${found.reason}\n`);
  }
  // the language hosts of the provider plugin's tests (tests/plugin): VEZA_PULUMI_<YAML|PYTHON>_DIR, or …_SKIP with the reason
  for (const [name, ensure] of [
    ["YAML", ensureYamlHost],
    ["PYTHON", ensurePythonHost],
  ] as const) {
    const host: HostLookup = found.cli ? ensure((line) => process.stderr.write(`\n[pulumi-cli] ${line}`)) : { reason: "no Pulumi CLI" };
    if (host.dir !== undefined) {
      process.env[`VEZA_PULUMI_${name}_DIR`] = host.dir;
      delete process.env[`VEZA_PULUMI_${name}_SKIP`];
    } else {
      process.env[`VEZA_PULUMI_${name}_SKIP`] = host.reason;
    }
  }
}
