/**
 * The "must show": `pulumi-veza impact` on a preview of the bootstrap example with one
 * inheritance edit (Account Executive inherits AWS Analytics Engineer instead of AD VPN Users)
 * names the affected identities and the paths, in every format.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadCatalog, type Catalog } from "../../examples/bootstrap/catalog";
import { bootstrap } from "../../examples/bootstrap/program";
import { StepRecorder, previewJsonText } from "../../harness";
import { impactOf, render } from "../../provider/impact";
import { exampleRig, REPO, type ExampleRig } from "../examples/helpers";
import { ATHENA_GAIN, VPN_LOSS } from "./bootstrap-edit";

const catalog = loadCatalog(path.join(REPO, "examples", "bootstrap", "catalog.yaml"));

/** The catalog with Account Executive's inheritance edited. */
function edited(): Catalog {
  const c = JSON.parse(JSON.stringify(catalog)) as Catalog;
  const ae = c.profiles.find((p) => p.name === "Account Executive")!;
  ae.inherits = ae.inherits!.map((n) => (n === "AD VPN Users" ? "AWS Analytics Engineer" : n));
  return c;
}

let r: ExampleRig;
afterAll(() => r?.close());

test("an inheritance edit in the bootstrap catalog: who gains and loses what, through which profiles", async () => {
  r = await exampleRig();
  const steps = new StepRecorder();
  const e = r.engine({ onStep: steps.onStep, project: "veza-bootstrap", stack: "dev" });
  expect((await e.up(() => bootstrap(catalog))).errors).toEqual([]);
  steps.take();
  const preview = await e.preview(() => bootstrap(edited()));
  expect(preview).toMatchObject({ updates: 1, creates: 0, deletes: 0, errors: [] });
  const json = previewJsonText(steps.take(), { showSames: true });
  if (process.env.VEZA_IMPACT_EXAMPLE_DIR) fs.writeFileSync(path.join(process.env.VEZA_IMPACT_EXAMPLE_DIR, "bootstrap-preview.json"), json);

  const impact = impactOf({ text: json, file: "preview.json" });
  // alice and bob hold Account Executive through the stack's membership of it
  const member = { member: { memberships: ["members:Account Executive"], grantedInVeza: false, unreadable: [] } };
  expect(impact.report).toEqual({
    identities: [
      { identity: "alice@example.com", gains: [{ ...ATHENA_GAIN, ...member }], losses: [{ ...VPN_LOSS, ...member }] },
      { identity: "bob@example.com", gains: [{ ...ATHENA_GAIN, ...member }], losses: [{ ...VPN_LOSS, ...member }] },
    ],
    profiles: [{ profile: "Account Executive", gains: [ATHENA_GAIN], losses: [VPN_LOSS] }],
    unresolved: [],
  });
  expect(impact.warnings).toEqual([]);
  const md = render(impact, "markdown");
  expect(md).toContain("**2 identities gain access, 2 identities lose access; 1 profile changes what it grants; 0 values unresolved**");
  expect(md).toContain(
    "| + | AwsIamRole `arn:aws:iam::222222222222:role/AthenaQuery` | `aws-analytics-222222222222` | Account Executive → AWS Analytics Engineer |",
  );
  expect(md).toMatch(
    /p0\["Account Executive"\]\n {2}p1\["AWS Analytics Engineer"\]\n {2}p0 ==>\|added\| p1\n {2}p2\["AD VPN Users"\]\n {2}p0 -\.->\|removed\| p2/,
  );
  if (process.env.VEZA_IMPACT_EXAMPLE_DIR) {
    for (const f of ["markdown", "json", "text"] as const)
      fs.writeFileSync(path.join(process.env.VEZA_IMPACT_EXAMPLE_DIR, `bootstrap-impact.${f}`), render(impact, f));
  }
  // the CI guide shows this comment as render() writes it, and the README quotes lines of it
  const repo = (file: string) => fs.readFileSync(path.join(__dirname, "..", "..", file), "utf8");
  expect(repo("docs/ci-and-impact.md")).toContain(`<blockquote>\n\n${md}\n</blockquote>`);
  const quoted = repo("README.md")
    .split("\n")
    .filter((l) => l.startsWith("> "))
    .map((l) => l.slice(2));
  expect(quoted.length).toBeGreaterThan(3);
  for (const line of quoted) expect(md.split("\n")).toContain(line);
}, 120_000);
