/**
 * `pulumi-veza impact` is safe as a CI gate, run as a user runs it (the built bin, dist/provider/cli.js):
 * anything but a preview digest is exit 2 naming the file and what is missing, so `--fail-on-gain`
 * never passes on the wrong file; output that cannot be written is exit 3, never 1 (a tripped gate) or
 * 0; a bad --state is named as a bad stack export; and a report with unresolved values never says that
 * no identity gains or loses.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { impactMain } from "../../provider/impact";
import { same, state as resource } from "./digest-fixtures";

const CLI = path.join(__dirname, "..", "..", "dist", "provider", "cli.js");

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-gate-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

/**
 * The bin, with `stdout` a file descriptor when given (e.g. /dev/full). Each start costs ~0.7 s of
 * CPU (most of it loading the export command's modules), so the messages of every bad input are
 * checked in-process (`inProcess`, the same function the bin calls) and each exit code through the bin.
 */
function bin(args: string[], opts: { input?: string; stdout?: number } = {}) {
  const r = spawnSync(process.execPath, [CLI, "impact", ...args], {
    input: opts.input ?? "",
    encoding: "utf8",
    stdio: ["pipe", opts.stdout ?? "pipe", "pipe"],
  });
  return { code: r.status, out: r.stdout ?? "", err: r.stderr };
}

/** The subcommand in-process: what the bin runs after reading its arguments. */
async function inProcess(args: string[], input = "") {
  const o = { code: 0, out: "", err: "" };
  const sink = (k: "out" | "err") => ({ write: (s: string) => ((o[k] += s), true) });
  o.code = await impactMain(args, { stdout: sink("out"), stderr: sink("err"), stdin: Readable.from([input]) } as never);
  return o;
}

const profile = resource("AccessProfile", "Eng", "pe", { name: "Eng", currentVersionNumber: 1 });
const version = resource("AccessProfileVersion", "Eng-v", "pe/versions/1", {
  accessProfileId: "pe",
  versionNumber: 1,
  entities: [{ entityType: "OktaGroup", datasourceId: "okta", entityId: "eng" }],
  inheritFrom: [],
});
const membership = (identityIds: unknown) =>
  resource("ProfileMembership", "Eng-m", "pe/versions/1/members", { accessProfileId: "pe", versionNumber: 1, identityIds });
/** A preview in which Eng's membership goes from `before` to `after`. */
const preview = (before: unknown, after: unknown) =>
  JSON.stringify({
    steps: [
      same(profile),
      same(version),
      { op: "update", urn: membership(before).urn, oldState: membership(before), newState: membership(after) },
    ],
    changeSummary: { same: 2, update: 1 },
  });

describe("input that is not a preview digest: exit 2, one line naming the file and what is missing", () => {
  test.each([
    ["{}", "{}", /: no "steps" list, so it is not the output of `pulumi preview --json --show-sames` \(it is an empty object\)$/],
    ['{"foo":1}', '{"foo":1}', /: no "steps" list, so it is not the output of `pulumi preview --json --show-sames` \(its keys: "foo"\)$/],
    ["steps null", '{"steps":null}', /: steps: must be a list of steps$/],
    ["steps an object", '{"steps":{"op":"same"}}', /: steps: must be a list of steps$/],
    ["a step a number", '{"steps":[1]}', /: steps\[0\]: must be a step object \(\{op, urn, oldState, newState\}\)$/],
    ["a step without urn", '{"steps":[{"op":"same"}]}', /: steps\[0\]\.urn: must be a URN string$/],
    ["a list", "[]", /: expected a JSON object \(the output of `pulumi preview --json --show-sames`\), got a list$/],
    ["a number", "42", /: expected a JSON object \(the output of `pulumi preview --json --show-sames`\), got number$/],
    [
      "one engine event",
      '{"sequence":0,"timestamp":1,"preludeEvent":{"config":{}}}',
      /: a stream of engine events .*run `pulumi preview --json --show-sames` without PULUMI_ENABLE_STREAMING_JSON_PREVIEW$/,
    ],
    [
      "an engine event stream",
      '{"sequence":0,"timestamp":1,"preludeEvent":{}}\n{"sequence":1,"timestamp":1,"summaryEvent":{}}\n',
      /: a stream of engine events /,
    ],
    [
      "a failed preview with no steps",
      JSON.stringify({ diagnostics: [{ severity: "error", message: "TypeError: x is undefined\n" }], changeSummary: {} }),
      /: the preview has no steps: it failed before registering a resource \(error: TypeError: x is undefined\); fix the preview first$/,
    ],
    [
      "a stack export",
      JSON.stringify({ version: 3, deployment: { resources: [] } }),
      /: this is a `pulumi stack export`, not a preview; pass it with --state/,
    ],
    ["empty", "", /: empty input; expected the output of `pulumi preview --json --show-sames`$/],
    ["not JSON", "steps:", /: not JSON \(.*\); expected the output of `pulumi preview --json --show-sames`$/],
  ])("%s", async (_what, text, message) => {
    const f = file("in.json", text);
    const r = await inProcess([f, "--fail-on-gain", "--fail-on-loss"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^pulumi-veza impact: /);
    expect(lines[0]).toContain(`${f}: `);
    expect(lines[0]).toMatch(message);
    // the same from standard input, named so
    const piped = await inProcess(["--fail-on-gain"], text);
    expect(piped.code).toBe(2);
    expect(piped.err).toMatch(/^pulumi-veza impact: standard input: /);
  });

  test("a message that quotes the input shows its hidden characters as escapes, on one line", async () => {
    const key = "evil\u001b[2J\u202E\nkey";
    const text = JSON.stringify({
      steps: [{ op: "same", urn: "u", newState: { urn: "u", type: "t", propertyDependencies: { [key]: 5 } } }],
    });
    const r = await inProcess([file("in.json", text)]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("propertyDependencies.evil\\u001B[2J\\u202E\\nkey: ");
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
  });

  test('the bin: {}, {"foo":1}, one engine event, a wrong shape, from a file and piped in, all exit 2 with --fail-on-gain', () => {
    const cases = [
      "{}",
      '{"foo":1}',
      '{"sequence":0,"timestamp":1,"preludeEvent":{}}',
      '{"steps":[{"op":"same","urn":"u","newState":[]}]}',
    ];
    cases.forEach((text, i) => {
      const f = file(`bad${i}.json`, text);
      const r = i % 2 ? bin(["--fail-on-gain"], { input: text }) : bin([f, "--fail-on-gain"]);
      expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: "" });
      expect(r.err).toMatch(i % 2 ? /^pulumi-veza impact: standard input: .+\n$/ : new RegExp(`^pulumi-veza impact: ${f}: .+\n$`));
      expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    });
  });
});

describe("a bad --state is named as a bad stack export: exit 2", () => {
  test.each([
    ["not JSON", "nope", /: not JSON \(.*\); expected the output of `pulumi stack export`$/],
    ["empty", "", /: empty input; expected the output of `pulumi stack export`$/],
    ["{}", "{}", /: not a `pulumi stack export`: version: must be the deployment version number$/],
    ["a list", "[]", /: not a `pulumi stack export`: expected a JSON object, got a list$/],
    [
      "a preview",
      '{"steps":[]}',
      /: this is a preview, not a `pulumi stack export`; give the preview as FILE and the stack export with --state$/,
    ],
    [
      "an event stream",
      '{"sequence":0,"timestamp":1}\n{"sequence":1,"timestamp":1}',
      /: a stream of engine events .*; expected the output of `pulumi stack export`$/,
    ],
  ])("%s", async (_what, text, message) => {
    const ok = file("ok.json", preview([], []));
    const state = file("state.json", text);
    const r = await inProcess([ok, "--state", state, "--fail-on-gain"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(new RegExp(`^pulumi-veza impact: --state ${state.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
    expect(r.err.trimEnd()).toMatch(message);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
  });

  test("the bin: a --state that is not JSON, and one that cannot be read", () => {
    const ok = file("ok.json", preview([], []));
    const bad = bin([ok, "--state", file("state.json", "nope"), "--fail-on-gain"]);
    expect(bad).toMatchObject({ code: 2, out: "" });
    expect(bad.err).toMatch(
      new RegExp(
        `^pulumi-veza impact: --state ${path.join(dir, "state.json")}: not JSON \\(.*\\); expected the output of \`pulumi stack export\`\n$`,
      ),
    );
    const r = bin([ok, "--state", path.join(dir, "nope.json")]);
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.err).toBe(`pulumi-veza impact: --state ${path.join(dir, "nope.json")}: cannot be read (no such file)\n`);
  });
});

describe("output that cannot be written: exit 3, never the gate's 1 nor 0", () => {
  const full = fs.existsSync("/dev/full");
  (full ? test : test.skip)("> /dev/full (a full disk): exit 3 and the reason, with and without a gate that would trip", () => {
    const f = file("gain.json", preview([], ["ann"]));
    for (const args of [
      [f, "--fail-on-gain"],
      [f, "--format", "json"],
    ]) {
      const fd = fs.openSync("/dev/full", "w");
      try {
        const r = bin(args, { stdout: fd });
        expect(r.code).toBe(3);
        expect(r.err.trimEnd().split("\n").at(-1)).toBe("pulumi-veza impact: the output cannot be written (ENOSPC)");
      } finally {
        fs.closeSync(fd);
      }
    }
  });

  test("a closed pipe: exit 3", () => {
    const f = file("gain.json", preview([], ["ann"]));
    // the reader is gone before anything is written (`impact … | true` in a shell)
    const p = spawnSync(
      process.execPath,
      [
        "-e",
        `
      const { spawn } = require("node:child_process");
      const c = spawn(process.execPath, [${JSON.stringify(CLI)}, "impact", ${JSON.stringify(f)}], { stdio: ["ignore", "pipe", "pipe"] });
      c.stdout.destroy();
      let err = "";
      c.stderr.on("data", (d) => (err += d));
      c.on("close", (code) => process.stdout.write(JSON.stringify({ code, err })));
    `,
      ],
      { encoding: "utf8" },
    );
    const out = JSON.parse(p.stdout) as { code: number; err: string };
    expect(out.code).toBe(3);
    expect(out.err).toMatch(/^pulumi-veza impact: the output cannot be written \(EPIPE\)\n$/);
  });
});

describe("gates and what the report says when values could not be read", () => {
  test("a gain: --fail-on-gain exits 1 after printing; --fail-on-loss alone and no gate exit 0", () => {
    const f = file("gain.json", preview([], ["ann"]));
    const gated = bin([f, "--fail-on-gain"]);
    expect(gated.code).toBe(1);
    expect(gated.out).toContain("#### ann: +1 −0");
    expect(gated.err).toBe("pulumi-veza impact: --fail-on-gain: 1 identity gains access\n");
    expect(bin([f, "--fail-on-loss"]).code).toBe(0);
    expect(bin([file("loss.json", preview(["ann"], [])), "--fail-on-loss"]).code).toBe(1);
  });

  test("nothing changes and everything could be read: 'No identity gains or loses', the gates pass", async () => {
    const f = file("none.json", preview(["ann"], ["ann"]));
    const r = bin([f, "--fail-on-gain", "--fail-on-loss"]);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toContain("\nNo identity gains or loses an entitlement.\n");
    const text = (await inProcess([f, "--format", "text"])).out.split("\n");
    expect(text[0]).toBe("0 identities gain access, 0 identities lose access; 0 profiles change what they grant; 0 values unresolved");
    expect(text).toContain("No identity gains or loses an entitlement.");
  });

  test("a membership's identity list turned secret: never 'no identity gains', and both gates trip", async () => {
    const f = file("secret.json", preview([], "[secret]"));
    const r = bin([f]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("No identity gains or loses");
    expect(r.out).toContain(
      "\nNothing that could be read changes; 1 value could not be read (listed under Unresolved), so a gain or a loss is not ruled out.\n",
    );
    expect(r.out).toContain(`- \`${membership([]).urn}\`: identityIds is a secret (\\[secret\\]) (new state)`);
    const text = (await inProcess([f, "--format", "text"])).out;
    expect(text).toContain("\nNothing that could be read changes; 1 value could not be read");
    expect(bin([f, "--fail-on-gain"])).toMatchObject({
      code: 1,
      err: "pulumi-veza impact: --fail-on-gain: 1 value(s) unresolved, a change cannot be ruled out\n",
    });
    expect(bin([f, "--fail-on-loss"])).toMatchObject({
      code: 1,
      err: "pulumi-veza impact: --fail-on-loss: 1 value(s) unresolved, a change cannot be ruled out\n",
    });
    // json is unchanged: the unresolved value is listed, no sentence
    expect(JSON.parse((await inProcess([f, "--format", "json"])).out)).toEqual({
      identities: [],
      profiles: [],
      unresolved: [{ urn: membership([]).urn, reason: expect.stringMatching(/^identityIds is a secret/) }],
    });
  });
});
