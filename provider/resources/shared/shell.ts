/**
 * The thin object handed to `pulumi.dynamic.Resource`. It is serialized into every resource's
 * state, so it captures nothing but its kind: each method requires the installed package's
 * runtime at call time (from the program's node_modules), where the real implementation lives.
 */
import type * as pulumi from "@pulumi/pulumi";

const shells = new Map<string, pulumi.dynamic.ResourceProvider>();

export function shellFor(kind: string): pulumi.dynamic.ResourceProvider {
  let shell = shells.get(kind);
  if (!shell) {
    const r = () => require("pulumi-veza/runtime");
    shell = {
      configure: (q: any) => r().configure(q),
      check: (o: any, n: any) => r().call(kind, "check", [o, n]),
      diff: (i: any, o: any, n: any) => r().call(kind, "diff", [i, o, n]),
      create: (n: any) => r().call(kind, "create", [n]),
      read: (i: any, p: any) => r().call(kind, "read", [i, p]),
      update: (i: any, o: any, n: any) => r().call(kind, "update", [i, o, n]),
      delete: (i: any, p: any) => r().call(kind, "delete", [i, p]),
    } as pulumi.dynamic.ResourceProvider;
    shells.set(kind, shell);
  }
  return shell;
}
