/** The three ways `pulumi-veza impact` prints an Impact: json (the report), markdown (a pull-request comment), text (a terminal). */
import { htmlText, MAX_SENTENCE_CHARS, mdCode, mdText, mdValue, mermaidText, shown } from "./literal";
import type { Entitlement, Grant, IdentityGrant, Impact, ImpactReport, MemberSource } from "./model";

export type Format = "json" | "markdown" | "text";
export const FORMATS: readonly Format[] = ["markdown", "json", "text"];

/** Past this many identities, each identity's table is collapsed in a <details>; past ROWS rows, any table is. */
export const COLLAPSE_IDENTITIES = 5;
export const COLLAPSE_ROWS = 15;
/** The Markdown stays under this many characters, whatever the input (GitHub refuses comments over 65,536). */
export const MAX_MARKDOWN_CHARS = 60_000;
/** The first line of the Markdown: hidden on GitHub, it lets CI find and update its own comment (examples/ci). */
export const MARKDOWN_MARKER = "<!-- pulumi-veza-impact -->";
/** The Mermaid graph draws at most this many nodes (GitHub refuses very large diagrams). */
export const GRAPH_NODES = 60;

export function render(impact: Impact, format: Format): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(reportOnly(impact.report), null, 2)}\n`;
    case "markdown":
      return markdown(impact);
    case "text":
      return text(impact);
  }
}

/** Exactly the documented keys, in the documented order. */
function reportOnly(r: ImpactReport): ImpactReport {
  const g = (x: Grant): Grant => ({ entityType: x.entityType, datasourceId: x.datasourceId, entityId: x.entityId, via: x.via });
  const ig = (x: IdentityGrant): IdentityGrant => ({
    ...g(x),
    member: { memberships: x.member.memberships, grantedInVeza: x.member.grantedInVeza, unreadable: x.member.unreadable },
  });
  return {
    identities: r.identities.map((i) => ({ identity: i.identity, gains: i.gains.map(ig), losses: i.losses.map(ig) })),
    profiles: r.profiles.map((p) => ({ profile: p.profile, gains: p.gains.map(g), losses: p.losses.map(g) })),
    unresolved: r.unresolved.map((u) => ({ urn: u.urn, reason: u.reason })),
  };
}

/**
 * How an identity holds the first profile of a path, in words, each membership's name passed
 * through `name` (the format's escaping): "membership m-2", "granted in Veza", or both; a membership
 * whose list cannot be read is "perhaps", and then "granted in Veza" is not ruled out either.
 */
export function memberWords(m: MemberSource, name: (s: string) => string): string {
  const words = [...m.memberships.map((x) => `membership ${name(x)}`), ...(m.grantedInVeza ? ["granted in Veza"] : [])];
  if (m.unreadable.length) {
    words.push(
      `perhaps ${m.unreadable.map((x) => `membership ${name(x)}`).join(" or ")} (unreadable)${m.memberships.length ? "" : " or granted in Veza"}`,
    );
  }
  return words.join(", ");
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function summaryLine(r: ImpactReport): string {
  const gain = r.identities.filter((i) => i.gains.length).length;
  const lose = r.identities.filter((i) => i.losses.length).length;
  return `${plural(gain, "identity gains", "identities gain")} access, ${plural(lose, "identity loses", "identities lose")} access; ${plural(r.profiles.length, "profile changes what it grants", "profiles change what they grant")}; ${plural(r.unresolved.length, "value")} unresolved`;
}

/**
 * The sentence for a report in which no identity gains or loses: "no identity gains or loses" only
 * when every value could be read; otherwise only what could be read is said not to change (a gate
 * trips on the unresolved values all the same). Undefined when an identity's access changes.
 */
export function nothingChanges(r: ImpactReport): string | undefined {
  if (r.identities.length) return undefined;
  if (!r.unresolved.length) return "No identity gains or loses an entitlement.";
  const unread = `${plural(r.unresolved.length, "value")} could not be read (listed under Unresolved), so a gain or a loss is not ruled out.`;
  return r.profiles.length
    ? `No identity that could be read gains or loses an entitlement; ${unread}`
    : `Nothing that could be read changes; ${unread}`;
}

// ---- markdown ----------------------------------------------------------------------------------

/** An entitlement in a table cell: its type as text, its id as code. */
const entitlementCell = (g: Entitlement) => `${mdValue(g.entityType)} ${mdCode(g.entityId, "table")}`;
/** A path of profiles, each name as text. */
const viaCell = (via: string[]) => via.map((p) => mdValue(p)).join(" → ");
/** The cells after the sign: entitlement, datasource, via. */
const grantCells = (g: Grant) => `${entitlementCell(g)} | ${mdCode(g.datasourceId, "table")} | ${viaCell(g.via)}`;

function grantRows(sign: "+" | "−", grants: IdentityGrant[]): string[] {
  return grants.map((g) => `| ${sign} | ${grantCells(g)} | ${memberWords(g.member, (x) => mdValue(x))} |`);
}

/** An identity's table; the last column says how it is a member of the path's first profile. */
function table(gains: IdentityGrant[], losses: IdentityGrant[]): string[] {
  return [
    "| | entitlement | datasource | via | member through |",
    "|---|---|---|---|---|",
    ...grantRows("+", gains),
    ...grantRows("−", losses),
  ];
}

/** A section's title: a value from the preview (shown literally) and our own text after it. */
interface Title {
  value?: string;
  rest: string;
}

/** A section: collapsed in <details> when asked to (GitHub needs blank lines around Markdown inside). */
function section(title: Title, body: string[], collapsed: boolean): string[] {
  const value = title.value === undefined ? "" : shown(title.value);
  // a heading is Markdown; a <summary> line starts an HTML block, where only HTML escaping holds
  if (!collapsed) return [`#### ${mdText(value)}${title.rest}`, "", ...body, ""];
  return [`<details><summary>${htmlText(value)}${title.rest}</summary>`, "", ...body, "", "</details>", ""];
}

/**
 * The leading groups (each a list of lines) that fit in `budget` characters, and how many are left
 * out. Every list the comment prints goes through this, so no input can push it past GitHub's limit.
 */
function fit(groups: string[][], budget: number): { lines: string[]; left: number } {
  const lines: string[] = [];
  let size = 0;
  let kept = 0;
  for (const g of groups) {
    const n = g.join("\n").length + 1;
    if (size + n > budget) break;
    size += n;
    lines.push(...g);
    kept++;
  }
  return { lines, left: groups.length - kept };
}

/** The line saying what `fit` left out. */
const more = (left: number, one: string, many = `${one}s`) =>
  `_${left} more ${left === 1 ? one : many} left out: a pull-request comment holds at most 65,536 characters. \`pulumi-veza impact --format json\` lists everything._`;

/** At most this many characters of warnings, and of the Unresolved list; the identity sections get the rest. */
export const WARNINGS_CHARS = 4_000;
export const UNRESOLVED_CHARS = 12_000;

function markdown(impact: Impact): string {
  const r = impact.report;
  const head: string[] = [MARKDOWN_MARKER, "### Veza access impact", "", `**${summaryLine(r)}**`, ""];
  const warnings = fit(
    impact.warnings.map((w) => [`> **Warning:** ${mdValue(w, MAX_SENTENCE_CHARS)}`, ""]),
    WARNINGS_CHARS,
  );
  head.push(...warnings.lines);
  if (warnings.left) head.push(more(warnings.left, "warning"), "");
  for (const n of impact.notices) head.push(`> **Not seen:** ${mdValue(n, MAX_SENTENCE_CHARS)}`, "");
  const nothing = nothingChanges(r);
  if (nothing) head.push(nothing, "");
  // blocks in order of importance; the last ones are left out when the comment would be too long
  const blocks: string[][] = [];
  const collapseAll = r.identities.length > COLLAPSE_IDENTITIES;
  for (const i of r.identities) {
    const title = { value: i.identity, rest: `: +${i.gains.length} −${i.losses.length}` };
    blocks.push(section(title, table(i.gains, i.losses), collapseAll || i.gains.length + i.losses.length > COLLAPSE_ROWS));
  }
  if (r.profiles.length) {
    const rows = r.profiles.flatMap((p) => [
      ...p.gains.map((g) => `| ${mdValue(p.profile)} | + | ${grantCells(g)} |`),
      ...p.losses.map((g) => `| ${mdValue(p.profile)} | − | ${grantCells(g)} |`),
    ]);
    const body = ["| profile | | entitlement | datasource | via |", "|---|---|---|---|---|", ...rows];
    blocks.push(section({ rest: `Profiles whose grants change (${r.profiles.length})` }, body, rows.length > COLLAPSE_ROWS));
    blocks.push(section({ rest: "Inheritance graph" }, mermaid(impact), r.profiles.length > COLLAPSE_IDENTITIES));
  }
  const tail: string[] = [];
  if (r.unresolved.length) {
    const listed = fit(
      r.unresolved.map((u) => [`- ${mdCode(u.urn, "text")}: ${mdValue(u.reason, MAX_SENTENCE_CHARS)}`]),
      UNRESOLVED_CHARS,
    );
    const body = listed.left ? [...listed.lines, "", more(listed.left, "unresolved value")] : listed.lines;
    tail.push(...section({ rest: `Unresolved (${r.unresolved.length}): not counted above` }, body, r.unresolved.length > COLLAPSE_ROWS));
  }
  tail.push("<sub>`pulumi-veza impact` from `pulumi preview --json --show-sames`</sub>", "");
  // room for the line saying what was left out
  const room = MAX_MARKDOWN_CHARS - [...head, ...tail].join("\n").length - 300;
  const kept = fit(blocks, room);
  if (kept.left) kept.lines.push(more(kept.left, "section"), "");
  return [...head, ...kept.lines, ...tail].join("\n");
}

/** A Mermaid flowchart: changed profiles, their inheritance edges (added thick, removed dotted) and own entity changes. */
function mermaid(impact: Impact): string[] {
  const lines = ["flowchart LR"];
  const ids = new Map<string, string>();
  let truncated = false;
  const node = (name: string): string | undefined => {
    let id = ids.get(name);
    if (id) return id;
    if (ids.size >= GRAPH_NODES) {
      truncated = true;
      return undefined;
    }
    id = `p${ids.size}`;
    ids.set(name, id);
    lines.push(`  ${id}["${mermaidText(shown(name))}"]`);
    return id;
  };
  for (const p of impact.report.profiles) node(p.profile);
  const arrow = { added: "==>|added|", removed: "-.->|removed|", kept: "-->" } as const;
  for (const e of impact.edges) {
    const from = node(e.from);
    const to = node(e.to);
    if (from && to) lines.push(`  ${from} ${arrow[e.change]} ${to}`);
  }
  let n = 0;
  for (const [profile, { added, removed }] of impact.ownChanges) {
    const from = ids.get(profile);
    if (!from) continue;
    const ent = (e: Entitlement, sign: string, cls: string) => {
      if (n >= GRAPH_NODES) {
        truncated = true;
        return;
      }
      const id = `e${n++}`;
      lines.push(`  ${id}[/"${sign} ${mermaidText(`${shown(e.entityType)} ${shown(e.entityId)}`)}"/]:::${cls}`, `  ${from} --- ${id}`);
    };
    for (const e of added) ent(e, "+", "gain");
    for (const e of removed) ent(e, "−", "loss");
  }
  lines.push("  classDef gain fill:#dafbe1,stroke:#1a7f37", "  classDef loss fill:#ffebe9,stroke:#cf222e");
  const out = ["```mermaid", ...lines, "```"];
  if (truncated) out.push("", `(graph cut at ${GRAPH_NODES} nodes; the tables list everything)`);
  return out;
}

// ---- text --------------------------------------------------------------------------------------

function text(impact: Impact): string {
  const r = impact.report;
  const out = [summaryLine(r)];
  for (const w of impact.warnings) out.push(`warning: ${shown(w, MAX_SENTENCE_CHARS)}`);
  for (const n of impact.notices) out.push(`not seen: ${shown(n, MAX_SENTENCE_CHARS)}`);
  const nothing = nothingChanges(r);
  if (nothing) out.push(nothing);
  const line = (sign: string, g: IdentityGrant) =>
    `    ${sign} ${shown(g.entityType)} ${shown(g.entityId)} (${shown(g.datasourceId)}) via ${g.via.map((p) => shown(p)).join(" → ")}; member through ${memberWords(g.member, (x) => shown(x))}`;
  for (const i of r.identities) {
    out.push(`  ${shown(i.identity)}`);
    for (const g of i.gains) out.push(line("+", g));
    for (const g of i.losses) out.push(line("-", g));
  }
  for (const u of r.unresolved) out.push(`  unresolved: ${shown(u.urn)}: ${shown(u.reason, MAX_SENTENCE_CHARS)}`);
  return `${out.join("\n")}\n`;
}
