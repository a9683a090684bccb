/**
 * How every string that comes from the preview is shown: profile names, entity types and ids,
 * datasource ids, identities, URNs, and the unresolved reasons and warnings that quote them. The
 * access review is posted on the pull request whose program wrote those strings, so none of them may
 * become markup: a change cannot rewrite its own review. One rule, in two steps:
 *
 * 1. `shown` (every format that renders): control characters, line and paragraph separators,
 *    invisible and bidirectional formatting characters are written as their escape (`\u202E`,
 *    `\n`), so nothing hidden reorders a name or breaks a line; a value past `max` characters is
 *    cut, and the cut says how many characters it left out.
 * 2. the format's own escaping of that text:
 *    - `mdText`: Markdown text (table cells, headings, list items, quotes: never the start of a
 *      line). Every character that can start or take part in an inline construct is backslash-escaped
 *      (CommonMark lets any ASCII punctuation be, and an escaped one starts nothing): see MARKUP.
 *    - `mdCode`: a code span whose fence is longer than any run of backticks in the value, so the
 *      value cannot close it early; in a table, its pipes are escaped as GFM requires.
 *    - `htmlText`: HTML text, for a `<details>` summary (an HTML block, where Markdown is not read).
 *    - `mermaidText`: a Mermaid label, ASCII punctuation as Mermaid's entity codes (`#60;`).
 *    The text format prints `shown` as it is. JSON prints every value unchanged: it is data.
 * Letters and symbols of any script (accents, CJK, emoji with their joiners and variation selectors)
 * pass unchanged.
 */

/** Longest value shown in full (names, ids, URNs), in characters (code points). */
export const MAX_VALUE_CHARS = 256;
/** Longest sentence shown in full (an unresolved reason or a warning, which may quote values). */
export const MAX_SENTENCE_CHARS = 1_000;

/**
 * C0 and C1 controls and DEL; the soft hyphen; Arabic letter mark; Mongolian vowel separator;
 * zero-width space, LRM, RLM; line and paragraph separators; the bidi embeddings, overrides and
 * isolates; word joiner and invisible operators; the byte-order mark; lone surrogates. Zero-width
 * (non-)joiners and variation selectors are left alone: emoji and several scripts need them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this expression's job
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\p{Cs}/gu;
const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

const escapeHidden = (s: string) =>
  s.replace(HIDDEN, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);

/** The mark after a value that was cut. */
export const cutMark = (left: number) => `…(${left.toLocaleString("en-US")} more characters)`;

/** A value as shown: hidden characters visible, and cut past `max` characters (the mark apart, so a code span can leave it outside). */
export function shownParts(value: string, max = MAX_VALUE_CHARS): { text: string; mark: string } {
  // a quick check first: almost every value is short
  if (value.length <= max) return { text: escapeHidden(value), mark: "" };
  const points = Array.from(value);
  if (points.length <= max) return { text: escapeHidden(value), mark: "" };
  return { text: escapeHidden(points.slice(0, max).join("")), mark: cutMark(points.length - max) };
}

/** A value as shown, its cut mark included (the text format; the input of the format escapes below). */
export function shown(value: string, max = MAX_VALUE_CHARS): string {
  const { text, mark } = shownParts(value, max);
  return mark ? `${text} ${mark}` : text;
}

/**
 * The characters that make inline Markdown (GFM, as GitHub renders it) out of text: `\` escapes,
 * backticks code spans, `*` `_` emphasis, `~` strikethrough, `[` `]` links, images and footnotes, `<`
 * `>` raw HTML and autolinks, `&` character references, `|` table cells, `#` a heading's closing
 * sequence, `$` math; and what GFM's literal autolinks need: `@` (an email), `:` before `//` (a URL),
 * `.` after `www`. The rest of ASCII punctuation (`'`, `-`, `,`, `.`, `:` elsewhere) is read as text
 * where these values go (never the start of a line), and stays unescaped so the comment's source and
 * its e-mail notifications stay readable.
 */
const MARKUP = /[\\`*_~[\]<>&|#$@]|:(?=\/\/)|(?<=www)\./gi;

/** Text that Markdown shows literally: `shown` text, its markup characters backslash-escaped. */
export const mdText = (text: string) => text.replace(MARKUP, "\\$&");

/** A value as Markdown text: `mdText(shown(value))`. */
export const mdValue = (value: string, max = MAX_VALUE_CHARS) => mdText(shown(value, max));

/**
 * A value in a Markdown code span. The fence is one backtick longer than the longest run in the
 * value; a value that starts or ends with a backtick, or with a space at both ends, is padded with a
 * space on each side (CommonMark strips exactly one). In a GFM table a pipe ends the cell even in a
 * code span unless escaped, and the table removes that backslash before the span is read.
 * An empty value, which no code span can show, is written as the text "(empty)".
 */
export function mdCode(value: string, where: "table" | "text"): string {
  const { text, mark } = shownParts(value);
  if (text === "") return `*${mdText("(empty)")}*`;
  const fence = "`".repeat(Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length)) + 1);
  const pad = /^`|`$/.test(text) || (/^ /.test(text) && / $/.test(text) && text.trim() !== "") ? " " : "";
  const inner = where === "table" ? text.replace(/\|/g, "\\|") : text;
  return `${fence}${pad}${inner}${pad}${fence}${mark ? ` ${mdText(mark)}` : ""}`;
}

/** Text that HTML shows literally (`shown` text). */
export const htmlText = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Text that a Mermaid label (inside `["…"]`) shows literally: every ASCII character but letters,
 * digits and the space as Mermaid's entity code `#<decimal>;`. All of them, unlike Markdown text:
 * the label is HTML (`<`, `&`), `"` ends it, backticks make it a Markdown string, `#` starts an entity
 * code, and Mermaid reads `%%{…}%%` as a configuration directive wherever it stands.
 */
export const mermaidText = (text: string) => text.replace(/[^A-Za-z0-9 \u0080-\u{10ffff}]/gu, (c) => `#${c.codePointAt(0)};`);
