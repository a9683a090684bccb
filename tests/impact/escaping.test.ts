/**
 * A change cannot rewrite its own review: every name, entity field and identity of a hostile preview
 * is shown as literal text, in its own cell, in every format. The Markdown is read by a real
 * CommonMark parser with GFM tables, raw HTML and autolinks on (markdown-it, as GitHub renders a
 * comment), never by a regular expression of ours: a value that became markup would show as a link,
 * an image, emphasis, raw HTML, a closed code span or a cell too many.
 */
import MarkdownIt from "markdown-it";
import { analyse, render, sidesOf, type Impact, type PreviewDigest } from "../../provider/impact";
import { cutMark, MAX_VALUE_CHARS, mdText, shown } from "../../provider/impact/literal";
import { same, state as resource } from "./digest-fixtures";

type Token = MarkdownIt.Token;

const LONG = "n".repeat(10_000);
const RTL = "Read\u202Enimda";

/** Strings a program under review could write into its own review (issue 33's cases and more). */
const HOSTILE = [
  "Eng <!-- hidden",
  "Ops <details><summary>nothing to see</summary>",
  "**0 identities gain access**",
  "<b>bold</b><img src=x>",
  RTL,
  "Okta`Group",
  "``double`` and ` spaced `",
  "`",
  'A"] --> X["pwned',
  "]] --> evil[(db)]",
  "a | b \\| c \\",
  "[click](https://evil.example/login) ![img](https://evil.example/x.png)",
  "https://evil.example/approve www.evil.example admin@evil.example mailto:x@evil.example",
  "&lt;b&gt; &amp; &#60;",
  "line1\nline2\r\n\n| x | y |",
  "tab\there\u0000nul\u001b[31mred\u007f",
  "# heading",
  "> quote",
  "- item",
  "1. item",
  "    indented",
  "~~struck~~ _em_ __strong__ $x^2$",
  "</details></summary></sub>",
  "zero\u200Bwidth\u2066isolate\u2069\u2028sep\uFEFF",
  "{{ template }} <%= erb %>",
  '%%{init: {"securityLevel": "loose"}}%% %% comment',
  "#quot; #60;b#62; &quot;",
  LONG,
];
/** Legitimate Unicode, which must stay exactly as it is. */
const LEGIT = ["Zoë Ångström-Ørsted", "研究チーム 数据", "🧑‍💻 dev 👍🏽 🏳️‍🌈", "مرحبا بالعالم", "Ελληνικά", "नमस्ते"];

/** The logical name of value i's membership: it carries the value too (the identity tables show it). */
const membershipName = (i: number, v: string) => `m${i}-${v}`;

/**
 * Per value i: a profile named it, whose version grants an entity whose type, datasource and id are
 * it, and a membership of that profile (named after it) that adds an identity named it. Each identity gains exactly
 * one entitlement, through one profile.
 */
function hostileImpact(values: string[]): Impact {
  const steps = values.flatMap((v, i) => {
    const pid = `p${i}`;
    const p = resource("AccessProfile", `p${i}`, pid, { name: v, currentVersionNumber: 1 });
    const ver = resource("AccessProfileVersion", `v${i}`, `${pid}/versions/1`, {
      accessProfileId: pid,
      versionNumber: 1,
      entities: [{ entityType: v, datasourceId: v, entityId: v }],
      inheritFrom: [],
    });
    const before = resource("ProfileMembership", membershipName(i, v), `${pid}/versions/1/members`, {
      accessProfileId: pid,
      versionNumber: 1,
      identityIds: [],
    });
    const after = resource("ProfileMembership", membershipName(i, v), `${pid}/versions/1/members`, {
      accessProfileId: pid,
      versionNumber: 1,
      identityIds: [v],
    });
    // the version gains its entity too, so the profile table and the Mermaid graph list it
    const verBefore = { ...ver, inputs: { ...ver.inputs, entities: [] }, outputs: { ...ver.outputs, entities: [] } };
    return [
      same(p),
      { op: "update", urn: ver.urn, oldState: verBefore, newState: ver },
      { op: "update", urn: before.urn, oldState: before, newState: after },
    ];
  });
  return analyse(sidesOf({ steps } as PreviewDigest));
}

/**
 * Raw HTML on (GitHub passes it through, then sanitizes), literal autolinks on (URLs and e-mails as
 * GFM links them; markdown-it's fuzzy mode, which also links bare domains GFM does not, stays off, so
 * GFM's `www.` links are checked on mdText below).
 */
const md = new MarkdownIt({ html: true, linkify: true });

/** The text an inline token shows, and the kinds of markup in it besides text and code. */
function inlineText(t: Token): { text: string; markup: string[] } {
  let text = "";
  const markup: string[] = [];
  for (const c of t.children ?? []) {
    if (c.type === "text" || c.type === "code_inline") text += c.content;
    else if (c.type === "softbreak" || c.type === "hardbreak") {
      text += "\n";
      markup.push(c.type);
    } else markup.push(c.type === "html_inline" ? `html_inline ${c.content}` : c.type);
  }
  return { text, markup };
}

/** The rows of every table: each cell's inline token, the header row first. */
function tables(tokens: Token[]): Token[][][] {
  const out: Token[][][] = [];
  let row: Token[] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === "table_open") out.push([]);
    else if (t.type === "tr_open") row = [];
    else if (t.type === "tr_close") out[out.length - 1]!.push(row!);
    else if ((t.type === "td_open" || t.type === "th_open") && row) row.push(tokens[i + 1]!);
  }
  return out;
}

/** What a <details> summary line shows: it starts an HTML block, so its text must hold no tag at all. */
function summaryText(html: string): string {
  const m = /^<details><summary>([^<>]*)<\/summary>\n$/.exec(html);
  if (!m) throw new Error(`not a plain summary line: ${JSON.stringify(html)}`);
  expect(m[1]!.replace(/&#\d+;/g, "")).not.toContain("&"); // every & is a character reference we wrote
  return m[1]!.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
}

/** The bold labels the renderer writes: the summary line, and the start of a warning or a notice. */
const OUR_BOLD = /^(\d+ identit(y gains|ies gain) access, .* unresolved|Warning:|Not seen:)$/;

/**
 * Every block and inline element that is not text, except the ones the renderer writes itself: the
 * hidden marker, <details> lines, <sub>, the Mermaid fence, bold labels (a quote only as a warning or
 * a notice). Bullet lists are the renderer's list of unresolved values: none in a report without any.
 */
function foreignMarkup(tokens: Token[]): string[] {
  const ours = [/^<!-- pulumi-veza-impact -->\n$/, /^<details><summary>[^<>]*<\/summary>\n$/, /^<\/details>\n$/];
  const found: string[] = [];
  tokens.forEach((t, i) => {
    if (t.type === "html_block" && !ours.some((re) => re.test(t.content))) found.push(`html_block ${t.content}`);
    if (t.type === "inline") {
      const children = (t.children ?? []).filter((c) => !(c.type === "text" && c.content === ""));
      children.forEach((c, k) => {
        if (["link_open", "image", "s_open", "em_open", "html_inline"].includes(c.type) && !/^<\/?sub>$/.test(c.content))
          found.push(`${c.type} ${c.content} in ${JSON.stringify(t.content.slice(0, 80))}`);
        if (c.type === "strong_open" && !(k === 0 && OUR_BOLD.test(children[1]?.content ?? "")))
          found.push(`strong in ${JSON.stringify(t.content.slice(0, 80))}`);
      });
    }
    if (t.type === "blockquote_open") {
      const first = (tokens[i + 2]?.children ?? []).filter((c) => !(c.type === "text" && c.content === ""));
      if (!(first[0]?.type === "strong_open" && /^(Warning|Not seen):$/.test(first[1]?.content ?? ""))) found.push("blockquote");
    }
    if (t.type === "fence" && t.info !== "mermaid") found.push(`fence ${t.info}`);
    if (
      ["code_block", "bullet_list_open", "ordered_list_open", "heading_open"].includes(t.type) &&
      !(t.type === "heading_open" && ["h3", "h4"].includes(t.tag))
    )
      found.push(`${t.type} ${t.tag}`);
  });
  return found;
}

const ALL = [...HOSTILE, ...LEGIT];
/**
 * The cells of a grant's row as they read: a cell or heading drops the spaces its text starts and
 * ends with (HTML would not show them either); a code span keeps them.
 */
const grantRow = (g: { entityType: string; entityId: string; datasourceId: string; via: string[] }) => [
  `${shown(g.entityType)} ${shown(g.entityId)}`.trimStart(),
  shown(g.datasourceId),
  g.via
    .map((p) => shown(p))
    .join(" → ")
    .trim(),
];
/** An identity's row after the sign: the grant's cells, then the membership that holds it, by name. */
const identityRow = (g: {
  entityType: string;
  entityId: string;
  datasourceId: string;
  via: string[];
  member: { memberships: string[] };
}) => [...grantRow(g), `membership ${shown(g.member.memberships[0]!)}`.trim()];
/** Identity tables end with the "member through" column; the profiles table starts with "profile". */
const isIdentityTable = (rows: Token[][]) => inlineText(rows[0]!.at(-1)!).text === "member through";

describe("hostile names, entity fields and identities are literal text", () => {
  const impact = hostileImpact(ALL);
  const markdown = render(impact, "markdown");
  const tokens = md.parse(markdown, {});

  test("the model saw every value as it is: each identity gains its own entitlement", () => {
    expect(impact.report.identities).toHaveLength(ALL.length);
    expect(impact.report.unresolved).toEqual([]);
  });

  test("nothing in the comment is markup the renderer did not write: no link, image, raw HTML, list, quote or code block", () => {
    expect(foreignMarkup(tokens)).toEqual([]);
  });

  test("every identity's <details> summary shows the identity, and its table the entitlement and path, each in its own cell", () => {
    const summaries = tokens.filter((t) => t.type === "html_block" && t.content.startsWith("<details>")).map((t) => summaryText(t.content));
    expect(summaries.slice(impact.report.identities.length)).toEqual([`Profiles whose grants change (${ALL.length})`, "Inheritance graph"]);
    const identityTables = tables(tokens).filter(isIdentityTable);
    expect(identityTables).toHaveLength(impact.report.identities.length);
    impact.report.identities.forEach((identity, n) => {
      expect(summaries[n]).toBe(`${shown(identity.identity)}: +1 −0`);
      const rows = identityTables[n]!;
      expect(rows).toHaveLength(2); // header and one row: no value opened a row or a table of its own
      const g = identity.gains[0]!;
      const cells = rows[1]!.map(inlineText);
      expect(cells.map((c) => c.markup)).toEqual([[], [], [], [], []]);
      expect(cells.map((c) => c.text)).toEqual(["+", ...identityRow(g)]);
    });
  });

  test("the profiles table: each profile's name in its own cell", () => {
    const rows = tables(tokens).find((t) => !isIdentityTable(t))!;
    expect(rows.slice(1).map((r) => r.map(inlineText))).toEqual(
      impact.report.profiles.map((p) => {
        const g = p.gains[0]!;
        return [shown(p.profile).trim(), "+", ...grantRow(g)].map((text) => ({ text, markup: [] }));
      }),
    );
  });

  test("the Mermaid graph: one fence, every label quoted whole and shown as it is", () => {
    const fences = tokens.filter((t) => t.type === "fence");
    expect(fences.map((f) => f.info)).toEqual(["mermaid"]);
    const lines = fences[0]!.content.split("\n");
    expect(lines[0]).toBe("flowchart LR");
    expect(lines.at(-2)).toMatch(/^ {2}classDef loss /); // nothing closed the fence early
    const decode = (s: string) => s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
    const labels = lines.flatMap((l) => /^ {2}p\d+\["([^"\]`<>%{}]*)"\]$/.exec(l)?.[1] ?? []).map(decode);
    expect(labels).toEqual(impact.report.profiles.map((p) => shown(p.profile)));
    const entities = lines.flatMap((l) => /^ {2}e\d+\[\/"\+ ([^"\]`<>%{}]*)"\/\]:::gain$/.exec(l)?.[1] ?? []).map(decode);
    expect(entities.sort()).toEqual(ALL.map((v) => `${shown(v)} ${shown(v)}`).sort());
    // every line of the graph is a node, an edge or a class: a value wrote none
    expect(lines.filter((l) => l && !/^ {2}(p\d+\[".*"\]|e\d+\[\/".*"\/\]:::gain|p\d+ --- e\d+|classDef (gain|loss) .*)$/.test(l))).toEqual(
      ["flowchart LR"],
    );
  });

  test("hidden characters are shown as escapes; legitimate Unicode is unchanged; a 10,000-character value is cut with a mark", () => {
    expect(shown(RTL)).toBe("Read\\u202Enimda");
    expect(shown("line1\nline2\r\n")).toBe("line1\\nline2\\r\\n");
    expect(shown("zero\u200Bwidth\u2066isolate\u2069\u2028sep\uFEFF")).toBe("zero\\u200Bwidth\\u2066isolate\\u2069\\u2028sep\\uFEFF");
    for (const v of LEGIT) expect(shown(v)).toBe(v);
    expect(shown(LONG)).toBe(`${"n".repeat(MAX_VALUE_CHARS)} ${cutMark(10_000 - MAX_VALUE_CHARS)}`);
    expect(cutMark(9_744)).toBe("…(9,744 more characters)");
    // the rendered HTML carries none of the hidden characters, and every legitimate string as it is
    const html = md.render(markdown);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u2028\u202a-\u202e\u2066-\u2069\ufeff]/);
    for (const v of LEGIT) expect(html).toContain(v);
    expect(html).toContain("Read\\u202Enimda");
    expect(html).not.toContain("n".repeat(MAX_VALUE_CHARS + 1));
    expect(markdown.length).toBeLessThan(65_536);
  });

  test("text: one line per entry, hidden characters shown as escapes, long values cut", () => {
    const text = render(impact, "text");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u200b\u2028\u202a-\u202e\u2066-\u2069\ufeff]/);
    const lines = text.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("  "))).toHaveLength(ALL.length * 2); // per identity its name and its gain
    expect(lines).toContain(`  ${shown(RTL)}`);
    for (const v of LEGIT) expect(lines).toContain(`  ${v}`);
    // a gain's line holds five values (type, id, datasource, one profile, the membership), each cut at MAX_VALUE_CHARS
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(6 * MAX_VALUE_CHARS);
  });

  test("GFM's literal autolinks are broken by an escape: URL, www., e-mail; other punctuation stays as it is", () => {
    expect(mdText("https://evil.example www.evil.com WWW.x.org admin@evil.example")).toBe(
      "https\\://evil.example www\\.evil.com WWW\\.x.org admin\\@evil.example",
    );
    expect(mdText('Bob\'s profile: a-b, c.d (e) {f} "g" =+%^?/;')).toBe('Bob\'s profile: a-b, c.d (e) {f} "g" =+%^?/;');
  });

  test("json is data: every value exactly as the preview holds it", () => {
    const doc = JSON.parse(render(impact, "json")) as { identities: { identity: string }[] };
    expect(doc.identities.map((i) => i.identity).sort()).toEqual([...ALL].sort());
  });
});

test.each(ALL.map((v) => [JSON.stringify(v).slice(0, 60), v]))(
  "an identity %s in a heading (few identities: not collapsed) is its own text",
  (_name, value) => {
    const impact = hostileImpact([value]);
    const tokens = md.parse(render(impact, "markdown"), {});
    expect(foreignMarkup(tokens)).toEqual([]);
    const headings = tokens.flatMap((t, i) => (t.type === "heading_open" && t.tag === "h4" ? [inlineText(tokens[i + 1]!)] : []));
    expect(headings).toEqual([{ text: `${shown(value)}: +1 −0`.trim(), markup: [] }, expect.anything(), expect.anything()]); // then the profiles and the graph
    const cells = tables(tokens)[0]![1]!.map(inlineText);
    const g = impact.report.identities[0]!.gains[0]!;
    expect(g).toEqual({
      entityType: value,
      entityId: value,
      datasourceId: value,
      via: [value],
      member: { memberships: [membershipName(0, value)], grantedInVeza: false, unreadable: [] },
    });
    expect(cells).toEqual(["+", ...identityRow(g)].map((text) => ({ text, markup: [] })));
  },
);

test("an unresolved value's URN and reason in the list are literal text too", () => {
  const name = "x`<b>y</b>";
  const m = resource("ProfileMembership", `m${name}`, "p/versions/1/members", {
    accessProfileId: "p",
    versionNumber: 1,
    identityIds: "[secret]",
  });
  const impact = analyse(sidesOf({ steps: [same(m)] } as PreviewDigest));
  const tokens = md.parse(render(impact, "markdown"), {});
  expect(foreignMarkup(tokens).filter((f) => !f.startsWith("bullet_list_open"))).toEqual([]);
  const items = tokens.flatMap((t, i) => (t.type === "list_item_open" ? [inlineText(tokens[i + 2]!)] : []));
  expect(items.length).toBeGreaterThan(0);
  for (const item of items) {
    expect(item.markup).toEqual([]);
    expect(item.text.startsWith(`${m.urn}: `)).toBe(true);
  }
});
