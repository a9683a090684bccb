/** examples/ci: the GitHub Actions workflow previews pull requests, deploys main, and never hard-codes a token. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO } from "./helpers";

const FILE = path.join(REPO, "examples", "ci", "veza-preview.yml");
const text = fs.readFileSync(FILE, "utf8");
const wf = parse(text) as {
  on: Record<string, { branches?: string[] }>;
  env?: Record<string, string>;
  jobs: Record<
    string,
    { if?: string; steps: { run?: string; uses?: string; env?: Record<string, string> }[]; env?: Record<string, string> }
  >;
};
const runs = (job: string) => wf.jobs[job]!.steps.map((s) => s.run ?? "").join("\n");

test("runs on pull requests and on pushes to main", () => {
  expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push"]);
  expect(wf.on.push!.branches).toEqual(["main"]);
});

test("pull requests from this repository's branches run `pulumi preview`, never `pulumi up`; forks (no secrets) are not previewed", () => {
  expect(wf.jobs.preview!.if).toContain("pull_request");
  expect(wf.jobs.preview!.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
  expect(runs("preview")).toMatch(/^npm ci$/m);
  expect(runs("preview")).toMatch(/pulumi preview\b/);
  expect(runs("preview")).not.toMatch(/pulumi up\b/);
  expect(text).not.toMatch(/works for pull requests from forks/);
});

test("main runs `pulumi up --yes` with the Veza token from a repository secret; the preview gets it for the look-ups, which run in preview", () => {
  expect(wf.jobs.up!.if).toContain("refs/heads/main");
  expect(runs("up")).toMatch(/pulumi up\b.*--yes/);
  const upStep = wf.jobs.up!.steps.find((s) => /pulumi up/.test(s.run ?? ""))!;
  expect(upStep.env?.VEZA_API_TOKEN).toBe("${{ secrets.VEZA_API_TOKEN }}");
  const previewStep = wf.jobs.preview!.steps.find((s) => /pulumi preview/.test(s.run ?? ""))!;
  expect(previewStep.env?.VEZA_API_TOKEN).toBe("${{ secrets.VEZA_API_TOKEN }}");
  expect(text).toMatch(/look-ups[\s\S]*run during preview/);
});

test("Node.js versions the package supports (engines), not an end-of-life one", () => {
  const engines = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).engines.node as string;
  const minimum = Number(/>=\s*(\d+)/.exec(engines)![1]);
  const versions = Object.values(wf.jobs).flatMap((j) =>
    j.steps.map((s) => (s as { with?: { "node-version"?: number } }).with?.["node-version"]).filter((v) => v !== undefined),
  );
  expect(versions.length).toBeGreaterThan(0);
  for (const v of versions) expect(Number(v)).toBeGreaterThanOrEqual(minimum);
});

test("no credential is hard-coded: every token, passphrase and key comes from secrets", () => {
  const envs: Record<string, string>[] = [
    wf.env ?? {},
    ...Object.values(wf.jobs).flatMap((j) => [j.env ?? {}, ...j.steps.map((s) => s.env ?? {})]),
  ];
  for (const env of envs) {
    for (const [k, v] of Object.entries(env)) {
      if (/TOKEN|PASSPHRASE|SECRET|KEY/i.test(k)) expect(`${k}=${v}`).toMatch(/=\$\{\{ secrets\.[A-Z_]+ \}\}$/);
    }
  }
  expect(text).not.toMatch(/veza:apiToken\s+\S/);
  expect(text).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
});
