/**
 * The test engine answers to the CLI: the same program (tests/real-cli/programs/catalog.js), the
 * same sequence of operations, once through harness/ and once through the real Pulumi CLI, each on
 * an emulator of its own. Per operation it compares each resource's step, the keys shown as
 * changing, the provider's requests per route, the final state (ids and times aside), and the
 * `pulumi preview --json --show-sames` document. A difference fails the test unless it is one of
 * KNOWN_DIFFERENCES, each of which harness/README.md lists with the reason it does not matter.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { startEmulator, type Emulator } from "../../emulator";
import { Engine, StepRecorder, previewJsonText, stackExport } from "../../harness";
import { CliStack, nameOf, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { cli, describeWithCli, TOKEN, testStackOptions } from "./cli";
import * as fs from "node:fs";
import * as os from "node:os";

const PROGRAM_FILE = path.join(__dirname, "programs", "catalog.js");
const veza = require("pulumi-veza");
const program = () => require(PROGRAM_FILE)(pulumi, veza);
const CLI_PROGRAM = `const out = require(${JSON.stringify(PROGRAM_FILE)})(require("@pulumi/pulumi"), require("pulumi-veza"));\nObject.assign(exports, out);\n`;

/** What the two engines are asked to do, in order. `config` is set on both before the operation. */
type Op =
  | { kind: "up" | "refresh" | "destroy"; config?: Record<string, string>; handEdit?: (emu: Emulator) => void }
  | { kind: "preview"; config?: Record<string, string> };

const OPERATIONS: Op[] = [
  { kind: "up" },
  { kind: "up" },
  { kind: "preview", config: { "demo:labels": '["a","b"]', "demo:extra": "true", "demo:inherit": "false" } },
  { kind: "up" },
  { kind: "preview", config: { "demo:members": '["alice","dave"]', "demo:appDescription": "the app" } },
  { kind: "up" },
  {
    kind: "refresh",
    handEdit: (emu) => {
      const base = emu.store.findProfileByName("Base")!;
      emu.store.updateProfile(base.id, { labels: ["edited-in-veza"] }, ["labels"]);
    },
  },
  { kind: "up" },
  { kind: "destroy" },
];

/** Every id the emulator made, as a stable name (`profile:Base`, `type:Profile`). */
function idNames(emu: Emulator): Map<string, string> {
  const names = new Map<string, string>();
  for (const t of emu.store.listTypes()) names.set(t.id, `type:${t.name}`);
  for (const p of emu.store.listProfiles()) names.set(p.id, `profile:${p.name}`);
  return names;
}

/** A JSON value with ids named, times and the fields only one engine writes removed. */
function normalize(v: unknown, ids: Map<string, string>): unknown {
  if (typeof v === "string") {
    let s = v;
    for (const [id, name] of ids) if (s.includes(id)) s = s.split(id).join(name);
    return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(s) ? "<time>" : s;
  }
  if (Array.isArray(v)) return v.map((x) => normalize(x, ids));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (CLI_ONLY_FIELDS.has(k) || x === undefined) continue;
      out[k] = normalize(x, ids);
    }
    return out;
  }
  return v;
}

/**
 * Fields of the CLI's state and preview documents the test engine does not write (display and
 * bookkeeping only; harness/README.md "Differences from the CLI").
 */
const CLI_ONLY_FIELDS = new Set([
  "created",
  "modified",
  "sourcePosition",
  "stackTrace",
  "sequenceNumber",
  "diffReasons",
  "detailedDiff",
  "replaceReasons",
  "duration",
  "__provider",
  "protect",
  "retainOnDelete",
  "taint",
  "refreshBeforeUpdate",
]);

/**
 * The keys the CLI's display names for each resource, from its `[diff: ~a,b]` marks. A dynamic
 * provider sends no detailed diff (the events' `diffs` are empty), so the display compares old and
 * new inputs itself; that is what the test engine's `diffKeys` model.
 */
function shownKeys(stdout: string): Record<string, string[]> {
  const keys: Record<string, Set<string>> = {};
  for (const line of stdout.split("\n")) {
    const m = /pulumi-nodejs:dynamic\/veza:\w+ (\S+) .*\[diff: ([^\]]*)\]/.exec(line);
    if (!m) continue;
    for (const k of m[2].split(/[,+~-]/).filter(Boolean)) (keys[m[1]] ??= new Set()).add(k.trim());
  }
  return Object.fromEntries(Object.entries(keys).map(([n, set]) => [n, [...set].sort()]));
}

interface Observed {
  steps: Record<string, string>;
  keys: Record<string, string[]>;
  requests: Record<string, number>;
  state?: unknown;
  preview?: unknown;
  ok: boolean;
}

/** The harness's step names, as the CLI's event log names them. */
const HARNESS_OP: Record<string, string> = { "refresh-update": "update", "refresh-delete": "delete", read: "read" };

function requestsOf(emu: Emulator): Record<string, number> {
  return Object.fromEntries(Object.entries(emu.stats().byRoute).sort());
}

/**
 * Outputs left out of the comparison: an AccessProfileVersion's read-only `members` is what Veza
 * listed when the version was last written, and the engine writes a version and the membership of
 * the same version in parallel (either engine, either order), so it is a race, not a difference.
 */
const RACY_OUTPUTS: Record<string, string[]> = { AccessProfileVersion: ["members"] };

function withoutRacy(type: string, outputs: Record<string, unknown>): Record<string, unknown> {
  const out = { ...outputs };
  for (const k of RACY_OUTPUTS[type.split(":").pop()!] ?? []) delete out[k];
  return out;
}

/** State resources, the default provider and the stack left out, keyed by name. */
function stateByName(resources: { urn: string; type: string; inputs?: unknown; outputs?: unknown }[], ids: Map<string, string>) {
  const out: Record<string, unknown> = {};
  for (const r of resources) {
    if (r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:")) continue;
    out[nameOf(r.urn)] = normalize({ inputs: r.inputs, outputs: withoutRacy(r.type, (r.outputs ?? {}) as Record<string, unknown>) }, ids);
  }
  return out;
}

type PreviewState = {
  type: string;
  id?: string;
  inputs?: unknown;
  outputs?: unknown;
  dependencies?: unknown;
  propertyDependencies?: unknown;
};

/** Preview steps by name: op, old and new state (unknowns kept as the sentinel; the default provider left out). */
function previewByName(
  doc: { steps: { op: string; urn: string; oldState?: PreviewState; newState?: PreviewState }[] },
  ids: Map<string, string>,
) {
  const out: Record<string, unknown> = {};
  // the engine keeps dependencies in a hash set (source_eval.go: mapset ToSlice): their order is arbitrary
  const sorted = (urns: unknown) => (Array.isArray(urns) ? [...urns].sort() : urns);
  const pick = (st?: PreviewState) =>
    st && {
      id: st.id,
      inputs: st.inputs,
      outputs: st.outputs && withoutRacy(st.type, st.outputs as Record<string, unknown>),
      dependencies: sorted(st.dependencies),
      propertyDependencies:
        st.propertyDependencies && Object.fromEntries(Object.entries(st.propertyDependencies).map(([k, v]) => [k, sorted(v)])),
    };
  for (const s of doc.steps) {
    if ((s.newState ?? s.oldState)?.type?.startsWith("pulumi:providers:")) continue;
    out[nameOf(s.urn)] = normalize({ op: s.op, old: pick(s.oldState), new: pick(s.newState) }, ids);
  }
  return out;
}

describeWithCli(
  `the test engine and the real CLI agree, operation by operation (routes ${process.env.VEZA_EMULATOR_ROUTES ?? "all"})`,
  () => {
    let harnessEmu: Emulator;
    let cliEmu: Emulator;
    let engine: Engine;
    let stack: CliStack;
    const recorder = new StepRecorder();
    const config: Record<string, string> = {};
    let dir: string;

    beforeAll(async () => {
      harnessEmu = await startEmulator({ token: TOKEN, seed: 7 });
      cliEmu = await startEmulator({ token: TOKEN, seed: 7 });
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-diff-"));
      stack = await CliStack.create({
        cli: cli!,
        program: CLI_PROGRAM,
        config: { "veza:url": cliEmu.url, "veza:apiToken": TOKEN },
        secretKeys: ["veza:apiToken"],
        ...testStackOptions(),
        project: "project",
        stack: "stack",
      });
    }, 120_000);
    afterAll(async () => {
      stack?.close();
      await harnessEmu?.close();
      await cliEmu?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    function harnessEngine(): Engine {
      return new Engine({
        stateFile: path.join(dir, "state.json"),
        config: { "veza:url": harnessEmu.url, "veza:apiToken": TOKEN, ...config },
        secretConfigKeys: ["veza:apiToken"],
        env: { VEZA_URL: undefined, VEZA_API_TOKEN: undefined, VEZA_TOKEN: undefined },
        onStep: recorder.onStep,
        project: "project",
        stack: "stack",
      });
    }

    async function throughHarness(op: Op): Promise<Observed> {
      engine = harnessEngine();
      harnessEmu.resetStats();
      const s =
        op.kind === "up"
          ? await engine.up(program)
          : op.kind === "preview"
            ? await engine.preview(program)
            : op.kind === "refresh"
              ? await engine.refresh()
              : await engine.destroy();
      const steps: Record<string, string> = {};
      const keys: Record<string, string[]> = {};
      for (const [name, res] of Object.entries(s.resources)) {
        steps[name] = HARNESS_OP[res.op] ?? res.op;
        if (res.diffKeys?.length) keys[name] = [...res.diffKeys].sort();
      }
      const ids = idNames(harnessEmu);
      const observed: Observed = { steps, keys, requests: requestsOf(harnessEmu), ok: s.errors.length === 0 };
      const recorded = recorder.take();
      if (op.kind === "preview") {
        observed.preview = previewByName(JSON.parse(previewJsonText(recorded, { showSames: true })), ids);
      } else {
        const saved = engine.state();
        const exported = stackExport(saved.resources) as { deployment: { resources: { urn: string; type: string }[] } };
        observed.state = stateByName(exported.deployment.resources, ids);
      }
      return observed;
    }

    async function throughCli(op: Op): Promise<Observed> {
      cliEmu.resetStats();
      const ids = idNames(cliEmu);
      if (op.kind === "preview") {
        const { doc, result } = await stack.previewJson();
        const steps: Record<string, string> = {};
        for (const s of doc.steps) {
          if (s.newState?.type === "pulumi:pulumi:Stack" || s.oldState?.type === "pulumi:pulumi:Stack") continue;
          if ((s.newState ?? s.oldState)?.type.startsWith("pulumi:providers:")) continue;
          steps[nameOf(s.urn)] = s.op;
        }
        return { steps, keys: {}, requests: requestsOf(cliEmu), preview: previewByName(doc, idNames(cliEmu)), ok: result.code === 0 };
      }
      const r: CliResult = op.kind === "up" ? await stack.up() : op.kind === "refresh" ? await stack.refresh() : await stack.destroy();
      const steps = Object.fromEntries(Object.entries(stepsOf(r.events)).map(([urn, o]) => [nameOf(urn), o]));
      const keys = shownKeys(r.stdout);
      const exported = await stack.exportState();
      return {
        steps,
        keys,
        requests: requestsOf(cliEmu),
        state: stateByName(exported.deployment.resources ?? [], new Map([...ids, ...idNames(cliEmu)])),
        ok: r.code === 0,
      };
    }

    test.each(OPERATIONS.map((op, i) => [`${i + 1}. ${op.kind}${op.config ? ` ${JSON.stringify(op.config)}` : ""}`, op] as const))(
      "%s",
      async (_title, op) => {
        Object.assign(config, op.config);
        await stack.setConfigs(op.config ?? {});
        if ("handEdit" in op && op.handEdit) {
          op.handEdit(harnessEmu);
          op.handEdit(cliEmu);
        }
        const viaCli = await throughCli(op);
        const viaHarness = await throughHarness(op);
        expect(viaHarness.ok).toBe(true);
        expect(viaCli.ok).toBe(true);
        expect(viaHarness.steps).toEqual(viaCli.steps);
        // `preview --json` names no keys for a dynamic resource (empty diffReasons): compared on up/refresh/destroy
        if (op.kind !== "preview") expect(viaHarness.keys).toEqual(viaCli.keys);
        expect(viaHarness.requests).toEqual(viaCli.requests);
        if (op.kind === "preview") expect(viaHarness.preview).toEqual(viaCli.preview);
        else expect(viaHarness.state).toEqual(viaCli.state);
      },
    );
  },
);
