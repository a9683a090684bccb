/**
 * The error family (provider/errors.ts): one base with a stable `code`, one subclass per kind, a
 * brand that two copies of the package both recognise, and no other error thrown by the package.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as errors from "../../provider/errors";
import * as veza from "../../provider";

const details = { method: "GET", path: "access_profiles/{id}", status: 404, serverMessage: "not found", requestId: "r-1" };

/** One of each kind, with the code and name users may match on. */
const kinds: [string, () => errors.VezaError, string][] = [
  ["VezaConfigError", () => new errors.VezaConfigError("veza:url is missing"), "VEZA_CONFIG"],
  ["VezaApiError", () => new errors.VezaApiError(details), "VEZA_API_ERROR"],
  ["UnexpectedResponseError", () => new errors.UnexpectedResponseError("no values"), "VEZA_UNEXPECTED_RESPONSE"],
  ["TypeUpdateUnsupportedError", () => new errors.TypeUpdateUnsupportedError(405), "VEZA_TYPE_UPDATE_UNSUPPORTED"],
  ["VezaResourceError", () => new errors.VezaResourceError("VEZA_NAME_TAKEN", "taken"), "VEZA_NAME_TAKEN"],
  ["ResourceInitError", () => new errors.ResourceInitError("p-1", {}, new Error("PATCH failed")), "VEZA_CREATED_INCOMPLETE"],
  ["ImpactInputError", () => new errors.ImpactInputError("plan.json: not JSON"), "VEZA_IMPACT_INPUT"],
  ["ExportError", () => new errors.ExportError("cannot export: a cycle"), "VEZA_EXPORT"],
  ["VezaUsageError", () => new errors.VezaUsageError('unknown argument "--x"'), "VEZA_USAGE"],
  ["VezaInternalError", () => new errors.VezaInternalError("unknown method"), "VEZA_INTERNAL"],
];

test.each(kinds)("%s: a VezaError with its name and code, recognised by its own isInstance only", (name, make, code) => {
  const e = make();
  expect(e).toBeInstanceOf(Error);
  expect(e.name).toBe(name);
  expect(e.code).toBe(code);
  expect(String(e)).toMatch(new RegExp(`^${name}: `));
  expect(errors.VezaError.isInstance(e)).toBe(true);
  for (const [other, otherMake] of kinds) {
    const cls = otherMake().constructor as typeof errors.VezaError;
    expect([other, cls.isInstance(e)]).toEqual([other, other === name]);
  }
});

test("the public contract's classes and codes: VezaApiError and VezaConfigError from the package, with the base", () => {
  expect(veza.VezaApiError).toBe(errors.VezaApiError);
  expect(veza.VezaConfigError).toBe(errors.VezaConfigError);
  expect(veza.VezaError).toBe(errors.VezaError);
  const e = new veza.VezaApiError({ ...details, status: 401 });
  expect(e).toMatchObject({ code: "VEZA_API_ERROR", method: "GET", path: "access_profiles/{id}", status: 401, requestId: "r-1" });
  expect(e.message).toContain("veza:apiToken"); // the stack's hint
  expect(errors.standaloneMessage(e)).toContain("VEZA_API_TOKEN (or VEZA_TOKEN)");
});

test("a second copy of the package (another node_modules) recognises this copy's errors, though instanceof does not", () => {
  let copy!: typeof errors;
  jest.isolateModules(() => {
    copy = require("../../provider/errors");
  });
  expect(copy.VezaApiError).not.toBe(errors.VezaApiError);
  const e = new errors.VezaApiError(details);
  expect(e instanceof copy.VezaApiError).toBe(false);
  expect(copy.VezaApiError.isInstance(e)).toBe(true);
  expect(copy.VezaError.isInstance(e)).toBe(true);
  expect(copy.VezaConfigError.isInstance(e)).toBe(false);
  expect(errors.ResourceInitError.isInstance(new copy.ResourceInitError("id", {}, "boom"))).toBe(true);
});

test("not ours: plain errors, look-alikes with a code, and non-objects", () => {
  const lookalike = Object.assign(new Error("x"), { code: "VEZA_API_ERROR", name: "VezaApiError" });
  for (const v of [new Error("x"), lookalike, { code: "VEZA_CONFIG" }, null, undefined, "VezaApiError", 42]) {
    expect(errors.VezaError.isInstance(v)).toBe(false);
    expect(errors.VezaApiError.isInstance(v)).toBe(false);
  }
});

test("the brand stays out of JSON and of the error's own keys; cause and the init-failed fields are kept", () => {
  const cause = new errors.VezaApiError(details);
  const e = new errors.ResourceInitError("p-1", { name: "Sales" }, cause);
  expect(Object.keys(e)).not.toContain(Symbol.for("pulumi-veza.error").toString());
  expect(Object.getOwnPropertySymbols(e).every((s) => !Object.getOwnPropertyDescriptor(e, s)!.enumerable)).toBe(true);
  expect(JSON.parse(JSON.stringify(e))).toEqual({
    code: "VEZA_CREATED_INCOMPLETE",
    id: "p-1",
    properties: { name: "Sales" },
    reasons: [e.message],
    name: "ResourceInitError",
  });
  expect(e.cause).toBe(cause);
  expect(e.message).toBe(`created p-1, but ${cause.message}`);
});

/** Every `throw new X(` under provider/ names a class of provider/errors.ts. */
test("the package throws only errors of the family", () => {
  const root = path.join(__dirname, "../../provider");
  const family = new Set(
    Object.entries(errors)
      .filter(([, v]) => typeof v === "function" && (v === errors.VezaError || v.prototype instanceof errors.VezaError))
      .map(([k]) => k),
  );
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) {
        // code, not comments: a TSDoc @example may show a user's own `throw new Error(`
        const code = fs
          .readFileSync(p, "utf8")
          .split("\n")
          .filter((l) => !/^\s*(\*|\/\/)/.test(l))
          .join("\n");
        for (const m of code.matchAll(/throw new (\w+)\(/g)) found.push(`${path.relative(root, p)}: ${m[1]}`);
      }
    }
  };
  walk(root);
  expect(found.length).toBeGreaterThan(40);
  expect(found.filter((f) => !family.has(f.split(": ")[1]))).toEqual([]);
});
