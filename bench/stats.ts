/** Small statistics and formatting helpers for the reports. */

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: number[]): Spread {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

const num = (x: number, digits: number) => (Number.isInteger(x) && digits === 0 ? String(x) : x.toFixed(digits));

/** "1234 (1200–1300)"; a spread of identical values prints once. */
export function fmt(s: Spread, digits = 0, unit = ""): string {
  if (!s.n) return "n/a";
  const m = num(s.median, digits) + unit;
  if (s.min === s.max) return m;
  return `${m} (${num(s.min, digits)}–${num(s.max, digits)})`;
}

export const fmtOf = (xs: number[], digits = 0, unit = "") => fmt(spread(xs), digits, unit);

export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}
