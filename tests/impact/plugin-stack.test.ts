/**
 * `pulumi-veza impact` on a stack of the `veza` provider plugin (`veza:index:*` resources) reads the
 * same access as on a stack of the dynamic resources: one program, declared with each kit, up once
 * through the test engine (the plugin served in this process, as tests/conformance/plugin.test.ts
 * runs it), then the same edits previewed. Before the impact knew the plugin's type tokens it read
 * a plugin stack as empty and printed "No identity gains or loses an entitlement" for every change:
 * a gate that always passed.
 */
import type * as veza from "../../provider";
import * as provider from "../../provider";
import { StepRecorder, previewJsonText, type Engine } from "../../harness";
import { impactOf, type ImpactReport } from "../../provider/impact";
import { VEZA_TYPE_PREFIXES } from "../../provider/impact/input";
import { tokenOf } from "../../provider/plugin/provider";
import { IN_PROCESS_PLUGIN, PLUGIN_KIT } from "../plugin/in-process";
import { IN_PROCESS, rig, type Rig } from "../resources/helpers";

type Kit = Pick<typeof veza, "AccessProfileType" | "AccessProfile" | "AccessProfileVersion" | "ProfileMembership">;

interface Edit {
  /** Team's members (default alice). */
  team?: string[];
  /** What Role inherits (default Leaf). */
  roleInherits?: ("leaf" | "other")[];
}

/** Leaf and Other grant one entity each; Role inherits Leaf; Team inherits Role. */
function program(kit: Kit, edit: Edit = {}) {
  return () => {
    const type = new kit.AccessProfileType("type", { name: "Profile", allowCreateRelationships: true, allowInheritEntities: true });
    const p: Record<string, veza.AccessProfile> = {};
    for (const n of ["leaf", "other", "role", "team"]) p[n] = new kit.AccessProfile(n, { name: n.toUpperCase(), profileType: type.id });
    const version = (n: string, entities: { entityType: string; datasourceId: string; entityId: string }[], inherits: string[] = []) =>
      new kit.AccessProfileVersion(`${n}-v`, { accessProfileId: p[n]!.id, entities, inheritFrom: inherits.map((i) => p[i]!.id) });
    version("leaf", [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g-leaf" }]);
    version("other", [{ entityType: "AwsIamRole", datasourceId: "aws-1", entityId: "r-other" }]);
    version("role", [], edit.roleInherits ?? ["leaf"]);
    version("team", [], ["role"]);
    new kit.ProfileMembership("team-m", { accessProfileId: p.team!.id, identityIds: edit.team ?? ["alice"] });
    new kit.ProfileMembership("role-m", { accessProfileId: p.role!.id, identityIds: ["dave"] });
  };
}

const EDITS: [string, Edit][] = [
  ["team's alice replaced by bob", { team: ["bob"] }],
  ["role inherits other instead of leaf", { roleInherits: ["other"] }],
];

/** What a reviewer reads: who gains and loses what, through which profiles, and what is unresolved. */
function access(r: ImpactReport) {
  return {
    identities: r.identities.map((i) => ({
      identity: i.identity,
      gains: i.gains.map((g) => [g.entityId, ...g.via]),
      losses: i.losses.map((l) => [l.entityId, ...l.via]),
    })),
    unresolved: r.unresolved.length,
  };
}

describe.each([
  ["the dynamic resources", provider as Kit, false],
  ["the veza plugin", PLUGIN_KIT as unknown as Kit, true],
] as const)("impact of a stack of %s", (_what, kit, viaPlugin) => {
  let r: Rig;
  let e: Engine;
  const steps = new StepRecorder();

  beforeAll(async () => {
    // the dynamic provider in this process (the middle layer); a plugin is served by its own serve
    r = await rig({}, viaPlugin ? {} : IN_PROCESS);
    e = r.engine({ onStep: steps.onStep, ...(viaPlugin ? { plugin: IN_PROCESS_PLUGIN } : {}) });
    const up = await e.up(program(kit));
    expect(up.errors).toEqual([]);
    steps.take();
  }, 120_000);
  afterAll(() => r?.close());

  test.each(EDITS)("%s: the access each identity gains and loses", async (_title, edit) => {
    const preview = await e.preview(program(kit, edit));
    expect(preview.errors).toEqual([]);
    const text = previewJsonText(steps.take(), { showSames: true });
    // the stack is of the kind this block says (the plugin's tokens, or the dynamic ones)
    expect(text.includes('"veza:index:ProfileMembership"')).toBe(viaPlugin);
    const got = access(impactOf({ text, file: "preview.json" }).report);
    if (edit.team) {
      expect(got).toEqual({
        identities: [
          { identity: "alice", gains: [], losses: [["g-leaf", "TEAM", "ROLE", "LEAF"]] },
          { identity: "bob", gains: [["g-leaf", "TEAM", "ROLE", "LEAF"]], losses: [] },
        ],
        unresolved: 0,
      });
    } else {
      expect(got).toEqual({
        identities: [
          { identity: "alice", gains: [["r-other", "TEAM", "ROLE", "OTHER"]], losses: [["g-leaf", "TEAM", "ROLE", "LEAF"]] },
          { identity: "dave", gains: [["r-other", "ROLE", "OTHER"]], losses: [["g-leaf", "ROLE", "LEAF"]] },
        ],
        unresolved: 0,
      });
    }
  });
});

test("the impact's type prefixes are the dynamic resources' and the plugin's tokens", () => {
  expect(VEZA_TYPE_PREFIXES).toContain(tokenOf(""));
  expect(VEZA_TYPE_PREFIXES).toContain("pulumi-nodejs:dynamic/veza:");
});
