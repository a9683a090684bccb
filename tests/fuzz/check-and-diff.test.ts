/**
 * A property-based test of `check` and `diff`, per kind, through the runtime dispatcher the
 * provider process calls (provider/resources/shared/runtime.ts `call`), on generated JSON values
 * (a seeded generator, so a failure replays: set VEZA_FUZZ_SEED; the seed and input counts are
 * printed). For every kind:
 *
 * - `check` never throws on inputs of any JSON values, and every failure names its field (its
 *   property is a key of the inputs or a required input, and its reason says the property);
 * - an input key that is neither declared nor the engine's own (`__provider`) is a failure naming
 *   the nearest declared input;
 * - `diff` never throws on old outputs and new inputs of any JSON values, and is deterministic (the
 *   same answer for the same values, twice and on copies);
 * - no request is made: no socket is opened while any of it runs.
 *
 * Values include the awkward ones: `{"toString": 1}` (breaks `String(v)` and template literals),
 * an own `__proto__` key (as JSON.parse makes it), the preview unknown sentinel, deep nesting.
 */
import * as net from "node:net";
import { RESOURCES } from "../../provider/resources/registry";
import type { InputSpec } from "../../provider/resources/shared/declare";
import { OPTIONS_INPUT } from "../../provider/resources/shared/options";
import { call } from "../../provider/resources/shared/runtime";
import { UNKNOWN } from "../../provider/resources/shared/unknown";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const SEED = Number(process.env.VEZA_FUZZ_SEED ?? 0x5eed23);
/** Generated inputs per kind, for check and for diff each (four kinds: 8 x this in all). */
const PER_KIND = 1500;

/** mulberry32: a small seeded generator (the same sequence for the same seed). */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
type Gen = ReturnType<typeof generator>;

const AWKWARD_STRINGS = ["", " ", "0", "1", "-1", "2.5", "true", "false", "null", "RUNNING", "running", "PAUSED", "DRAFT", "SalesforceGroup", UNKNOWN, "ü名", "a".repeat(300), "__proto__", "constructor", "toString"];
const AWKWARD_OBJECTS: Json[] = [{ toString: 1 }, { valueOf: 1, toString: 1 }, JSON.parse('{"__proto__": {"x": 1}}'), JSON.parse('{"__proto__": 1}'), { constructor: 1 }, {}, []];

/** Any JSON value, up to `depth` levels of arrays and objects; keys drawn from `keys` and awkward ones. */
function json(g: Gen, depth: number, keys: readonly string[]): Json {
  switch (g.int(depth > 0 ? 9 : 6)) {
    case 0:
      return null;
    case 1:
      return g.next() < 0.5;
    case 2:
      return g.pick([0, 1, -1, 2, 1e21, -0.5, 3.7, Number.MAX_SAFE_INTEGER, 4294967296]);
    case 3:
    case 4:
      return g.pick(AWKWARD_STRINGS);
    case 5:
      return JSON.parse(JSON.stringify(g.pick(AWKWARD_OBJECTS))) as Json;
    case 6:
    case 7: {
      const o: Record<string, Json> = {};
      for (let i = g.int(4); i > 0; i--) Object.defineProperty(o, g.pick([...keys, "__proto__", "toString", "entity_type", "type", "x"]), { value: json(g, depth - 1, keys), enumerable: true, writable: true, configurable: true });
      return o;
    }
    default:
      return Array.from({ length: g.int(4) }, () => json(g, depth - 1, keys));
  }
}

/** A value of the input's kind that its check may accept (so that generated inputs pass as well as fail). */
function plausible(g: Gen, spec: InputSpec): Json {
  switch (spec.kind) {
    case "string":
      return g.pick(["x", "Name", UNKNOWN]);
    case "bool":
      return g.next() < 0.5;
    case "int":
      return g.pick([0, 1, 10, "3"]);
    case "enum":
      return g.pick([...(spec.enumNames ?? []), 0, UNKNOWN]);
    case "set":
      return g.pick([[], ["a", "b"], ["b", "a", "a"], [UNKNOWN]]);
    case "entities":
      return g.pick([[], [{ entityType: "SalesforceGroup", datasourceId: "sf", entityId: "g1" }], [{ entity_type: "SalesforceGroup", datasource_id: "sf", entity_id: "g2", grantBy: "1" }]]);
    case "map":
      return g.pick<Json>([{}, { k: "v" }]);
    case "object":
      return g.pick<Json>([{}, { a: 1 }]);
    case "list":
      return g.pick([[], [{ a: 1 }]]);
  }
}

/** An inputs (or outputs) object: some declared keys, sometimes the engine's `__provider`, sometimes an undeclared key; JSON-shaped. */
function record(g: Gen, kind: string, declared: readonly string[]): Record<string, Json> {
  const nested = ["entityType", "datasourceId", "entityId", "grantBy", "condition", "customProperties", "type", "value"];
  const o: Record<string, Json> = {};
  for (const k of declared) {
    const roll = g.next();
    if (roll < 0.3) o[k] = json(g, 3, nested);
    else if (roll < 0.6 || RESOURCES[kind].inputs[k].required) o[k] = plausible(g, RESOURCES[kind].inputs[k]);
  }
  if (g.next() < 0.5) o.__provider = "exports.handler = () => 0";
  // the class's hidden input (options the provider must know), sometimes well-formed, sometimes any JSON
  if (g.next() < 0.2) o.__options = g.next() < 0.5 ? { nameFromLogicalName: true } : json(g, 2, nested);
  if (g.next() < 0.1) o[g.pick(["descriptoin", "nmae", "exclusiv", "__proto__", "x"])] = json(g, 1, nested);
  // through JSON text, as the engine's Struct values arrive (an own `__proto__` key stays a key)
  return JSON.parse(JSON.stringify(o)) as Record<string, Json>;
}

const KINDS = Object.keys(RESOURCES);
/** Keys in inputs that are not the user's: the engine's serialized provider, the class's options. */
const HIDDEN_KEYS = ["__provider", OPTIONS_INPUT];
const declaredInputs = (kind: string) => Object.keys(RESOURCES[kind].inputs);
const requiredInputs = (kind: string) => Object.entries(RESOURCES[kind].inputs).flatMap(([k, s]) => (s.required ? [k] : []));

let connects: jest.SpyInstance;
beforeAll(() => {
  // every request the provider could make opens a socket first
  connects = jest.spyOn(net.Socket.prototype, "connect");
  console.log(`check/diff property test: seed ${SEED} (VEZA_FUZZ_SEED), ${PER_KIND} inputs per kind for check and ${PER_KIND} for diff, ${KINDS.length} kinds (${KINDS.join(", ")}): ${2 * PER_KIND * KINDS.length} inputs`);
});
afterAll(() => connects.mockRestore());

test("all four kinds are covered", () => {
  expect(KINDS.sort()).toEqual(["AccessProfile", "AccessProfileType", "AccessProfileVersion", "ProfileMembership"]);
});

describe.each(KINDS)("%s", (kind) => {
  const declared = declaredInputs(kind);
  const required = requiredInputs(kind);

  test(`check never throws on ${PER_KIND} generated inputs; every failure names its field; an undeclared key names the nearest input; no request`, async () => {
    const g = generator(SEED ^ kind.length * 7919);
    const problems: string[] = [];
    let failing = 0;
    for (let i = 0; i < PER_KIND && problems.length < 5; i++) {
      const news = record(g, kind, declared);
      const shown = JSON.stringify(news);
      let result: { failures?: { property: string; reason: string }[] };
      try {
        result = (await call({ k: kind }, "check", [{}, news])) as typeof result;
      } catch (e) {
        problems.push(`check threw on ${shown}: ${String(e)}`);
        continue;
      }
      const failures = result.failures ?? [];
      if (failures.length) failing++;
      for (const f of failures) {
        const root = f.property.split(".")[0];
        if (!(root in news) && !required.includes(root)) problems.push(`check on ${shown}: failure for ${f.property}, neither an input given nor a required one`);
        if (!f.reason.includes(f.property)) problems.push(`check on ${shown}: the reason "${f.reason}" does not name ${f.property}`);
      }
      for (const k of Object.keys(news).filter((k) => !declared.includes(k) && !HIDDEN_KEYS.includes(k))) {
        if (!failures.some((f) => f.property === k && /did you mean \w+\?/.test(f.reason))) problems.push(`check on ${shown}: the undeclared key ${k} is not a failure naming the nearest input`);
      }
    }
    expect(problems).toEqual([]);
    // the generator reaches both outcomes (not a test of only valid or only invalid inputs)
    expect({ someFail: failing > 0, somePass: failing < PER_KIND }).toEqual({ someFail: true, somePass: true });
    expect(connects).not.toHaveBeenCalled();
  });

  test(`diff never throws and is deterministic on ${PER_KIND} generated old outputs and new inputs; no request`, async () => {
    const g = generator(SEED ^ kind.length * 104729);
    const problems: string[] = [];
    let changed = 0;
    for (let i = 0; i < PER_KIND && problems.length < 5; i++) {
      const olds = record(g, kind, declared);
      const news = g.next() < 0.3 ? (JSON.parse(JSON.stringify(olds)) as Record<string, Json>) : record(g, kind, declared);
      const shown = `olds ${JSON.stringify(olds)} news ${JSON.stringify(news)}`;
      try {
        const first = await call({ k: kind }, "diff", ["id", olds, news]);
        const again = await call({ k: kind }, "diff", ["id", olds, news]);
        const onCopies = await call({ k: kind }, "diff", ["id", JSON.parse(JSON.stringify(olds)), JSON.parse(JSON.stringify(news))]);
        if (JSON.stringify(again) !== JSON.stringify(first) || JSON.stringify(onCopies) !== JSON.stringify(first)) problems.push(`diff not deterministic on ${shown}`);
        if ((first as { changes?: boolean }).changes) changed++;
      } catch (e) {
        problems.push(`diff threw on ${shown}: ${String(e)}`);
      }
    }
    expect(problems).toEqual([]);
    expect({ someChanged: changed > 0, someUnchanged: changed < PER_KIND }).toEqual({ someChanged: true, someUnchanged: true });
    expect(connects).not.toHaveBeenCalled();
  });
});

describe("a misspelt input is a check failure naming the nearest input", () => {
  const check = async (kind: string, news: Record<string, unknown>) => ((await call({ k: kind }, "check", [{}, news])) as { failures: { property: string; reason: string }[] }).failures;

  test("descriptoin on a type: did you mean description", async () => {
    expect(await check("AccessProfileType", { name: "T", descriptoin: "x", __provider: "p" })).toEqual([
      { property: "descriptoin", reason: expect.stringMatching(/^AccessProfileType "T": descriptoin is not an input \(did you mean description\?\)/) },
    ]);
  });

  test("exclusiv: true on a membership (which would silently stay non-exclusive): did you mean exclusive", async () => {
    expect(await check("ProfileMembership", { accessProfileId: "p", versionNumber: 1, identityIds: ["u1"], exclusiv: true })).toEqual([
      { property: "exclusiv", reason: expect.stringMatching(/did you mean exclusive\?/) },
    ]);
  });

  test("the engine's own key (__provider) and the class's hidden __options pass", async () => {
    for (const kind of KINDS) {
      const failures = await check(kind, { __provider: "p", __options: {} });
      expect({ kind, unknownKeyFailures: failures.filter((f) => /is not an input/.test(f.reason)) }).toEqual({ kind, unknownKeyFailures: [] });
    }
  });

  test('a value whose toString is not a function ({"toString": 1}) is a failure naming the field, not a TypeError', async () => {
    const failures = await check("AccessProfileType", { name: { toString: 1 } });
    expect(failures.map((f) => f.property)).toEqual(["name"]);
  });
});
