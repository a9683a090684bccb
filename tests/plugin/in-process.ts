/**
 * The provider plugin `veza` for the test engine (harness `EngineOptions.plugin`), served in the
 * test's own process: each operation gets a fresh `VezaPlugin` behind the same gRPC service
 * `bin/pulumi-resource-veza` serves (provider/plugin/server.ts `listen`), so the engine's calls
 * cross gRPC as under the CLI, without a process start per operation. What only the executable
 * shows (its start, the engine's Log service) is proven through the real CLI (yaml.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import type { PluginServer } from "../../harness";
import { PACKAGE, VezaPlugin, tokenOf } from "../../provider/plugin/provider";
import { listen } from "../../provider/plugin/server";
import type { Kit } from "../conformance/cases";

export const IN_PROCESS_PLUGIN: PluginServer = {
  package: PACKAGE,
  async serve(stderr) {
    // the plugin's warnings as the executable prints them without an engine to log to
    const { port, stop } = await listen(new VezaPlugin((m) => stderr(`warning: ${m}\n`)));
    return { address: `127.0.0.1:${port}`, stop };
  },
};

/**
 * Classes that register the plugin's resources (`veza:index:<Kind>`) with the inputs as given, as
 * the generated Node SDK's do (the SDK itself needs a newer @pulumi/pulumi than this repository's:
 * typescript.test.ts). Typed as the dynamic classes, whose inputs are the same declarations.
 */
function pluginClass(kind: keyof Kit) {
  return class extends pulumi.CustomResource {
    constructor(name: string, args: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
      super(tokenOf(kind), name, args, opts);
    }
  };
}

export const PLUGIN_KIT = {
  AccessProfileType: pluginClass("AccessProfileType"),
  AccessProfile: pluginClass("AccessProfile"),
  AccessProfileVersion: pluginClass("AccessProfileVersion"),
  ProfileMembership: pluginClass("ProfileMembership"),
} as unknown as Kit;
