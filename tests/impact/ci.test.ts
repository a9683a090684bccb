/** examples/ci: the preview job still shows the normal preview, and posts `pulumi-veza impact` of the JSON preview on the pull request. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { MARKDOWN_MARKER } from "../../provider/impact/render";

const wf = parse(fs.readFileSync(path.join(__dirname, "..", "..", "examples", "ci", "veza-preview.yml"), "utf8")) as {
  jobs: Record<
    string,
    { permissions?: Record<string, string>; steps: { name?: string; run?: string; if?: string; env?: Record<string, string> }[] }
  >;
};
const preview = wf.jobs.preview!;
const runs = preview.steps.map((s) => s.run ?? "");

test("the normal preview stays, and the JSON preview with --refresh and --show-sames is piped into pulumi-veza impact", () => {
  expect(runs.some((r) => /pulumi preview\b.*--diff/.test(r))).toBe(true);
  const impact = runs.find((r) => r.includes("pulumi-veza impact"))!;
  // --refresh: members granted in Veza since the last up are read (the impact says so otherwise)
  expect(impact).toMatch(/pulumi preview\b[^\n]*--refresh[^\n]*--json[^\n]*--show-sames[^\n]*> preview\.json/);
  expect(preview.steps.find((s) => s.run === impact)!.env).toEqual({ VEZA_API_TOKEN: "${{ secrets.VEZA_API_TOKEN }}" });
  expect(impact).toMatch(/npx pulumi-veza impact preview\.json > impact\.md/);
  expect(impact).toContain('>> "$GITHUB_STEP_SUMMARY"');
});

test("the Markdown is posted as a PR comment with the workflow's own token, from this repository's branches", () => {
  const post = preview.steps.find((s) => /gh pr comment/.test(s.run ?? ""))!;
  expect(post.run).toMatch(/--body-file impact\.md/);
  expect(post.env).toEqual({ PR: "${{ github.event.pull_request.number }}", GH_TOKEN: "${{ secrets.GITHUB_TOKEN }}" });
  expect(post.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  expect(preview.permissions).toEqual({ contents: "read", "pull-requests": "write" });
});

test("only the comment carrying the impact's hidden marker is updated, never the last bot comment of any workflow", () => {
  const post = preview.steps.find((s) => /gh pr comment/.test(s.run ?? ""))!.run!;
  expect(post).not.toContain("--edit-last");
  // the comment to update: the bot's own, whose body starts with the marker render() writes first
  expect(post).toContain(`select(.user.login == "github-actions[bot]" and (.body | startswith("${MARKDOWN_MARKER}")))`);
  expect(post).toMatch(/gh api --method PATCH "repos\/\$GITHUB_REPOSITORY\/issues\/comments\/\$id"/);
  expect(post).toMatch(/else\s+gh pr comment "\$PR" --body-file impact\.md/);
});
