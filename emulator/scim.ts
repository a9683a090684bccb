/**
 * SCIM filter expressions (RFC 7644 §3.4.2.2): `attr op value` joined by and/or, with not(...) and
 * parentheses; a value is a quoted string or bare `true`, `false`, `null` or a number.
 * Operators eq, ne, co, sw, ew, pr (case-insensitive). On array attributes `eq`/`co`/`sw`/`ew`
 * hold when some element matches; `ne` when none equals.
 */
import { invalid } from "./errors";

export type ScimValue = string | number | boolean | null;
export type ScimNode =
  | { kind: "and" | "or"; left: ScimNode; right: ScimNode }
  | { kind: "not"; expr: ScimNode }
  | { kind: "cmp"; attr: string; op: "eq" | "ne" | "co" | "sw" | "ew"; value: ScimValue }
  | { kind: "pr"; attr: string };

type Tok = { t: "lp" | "rp"; pos: number } | { t: "word"; v: string; pos: number } | { t: "str"; v: string; pos: number };

function fail(pos: number, what: string): never {
  throw invalid(`invalid filter at position ${pos}: ${what}`);
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(") {
      out.push({ t: "lp", pos: i++ });
    } else if (c === ")") {
      out.push({ t: "rp", pos: i++ });
    } else if (c === '"') {
      const start = i++;
      let v = "";
      for (;;) {
        if (i >= src.length) fail(start, "unterminated string");
        const d = src[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === "\\") {
          const e = src[i + 1];
          if (e === undefined) fail(i, "unterminated escape");
          if (e === '"' || e === "\\" || e === "/") v += e;
          else if (e === "n") v += "\n";
          else if (e === "t") v += "\t";
          else fail(i, `unknown escape \\${e}`);
          i += 2;
          continue;
        }
        v += d;
        i++;
      }
      out.push({ t: "str", v, pos: start });
    } else if (/[A-Za-z0-9_.\-:+]/.test(c)) {
      const start = i;
      while (i < src.length && /[A-Za-z0-9_.\-:+]/.test(src[i]!)) i++;
      out.push({ t: "word", v: src.slice(start, i), pos: start });
    } else {
      fail(i, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  return out;
}

/** Parses a filter; `attributes` are the allowed attribute names (lower case). */
export function parseFilter(src: string, attributes: readonly string[]): ScimNode {
  const toks = tokenize(src);
  let k = 0;
  const peek = (): Tok | undefined => toks[k];
  const endPos = src.length;
  const isWord = (tok: Tok | undefined, w: string): boolean => tok?.t === "word" && tok.v.toLowerCase() === w;

  const parseOr = (): ScimNode => {
    let left = parseAnd();
    while (isWord(peek(), "or")) {
      k++;
      left = { kind: "or", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): ScimNode => {
    let left = parseUnary();
    while (isWord(peek(), "and")) {
      k++;
      left = { kind: "and", left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): ScimNode => {
    const tok = peek();
    if (!tok) fail(endPos, "expected an expression");
    if (isWord(tok, "not")) {
      k++;
      return { kind: "not", expr: parseUnary() };
    }
    if (tok.t === "lp") {
      k++;
      const inner = parseOr();
      const close = peek();
      if (close?.t !== "rp") fail(close?.pos ?? endPos, `expected ")"`);
      k++;
      return inner;
    }
    if (tok.t !== "word") fail(tok.pos, "expected an attribute name");
    const attr = tok.v.toLowerCase();
    if (!attributes.includes(attr)) {
      fail(tok.pos, `unknown attribute "${tok.v}" (allowed: ${attributes.join(", ")})`);
    }
    k++;
    const opTok = peek();
    if (opTok?.t !== "word") fail(opTok?.pos ?? endPos, "expected an operator (eq, ne, co, sw, ew, pr)");
    const op = opTok.v.toLowerCase();
    k++;
    if (op === "pr") return { kind: "pr", attr };
    if (op !== "eq" && op !== "ne" && op !== "co" && op !== "sw" && op !== "ew") {
      fail(opTok.pos, `unsupported operator "${opTok.v}" (supported: eq, ne, co, sw, ew, pr)`);
    }
    const valTok = peek();
    if (!valTok) fail(endPos, "expected a value");
    k++;
    let value: ScimValue;
    if (valTok.t === "str") value = valTok.v;
    else if (valTok.t === "word") {
      const w = valTok.v.toLowerCase();
      if (w === "true") value = true;
      else if (w === "false") value = false;
      else if (w === "null") value = null;
      // a JSON number, as RFC 7644 writes numeric values (bare, like true/false/null)
      else if (/^-?(0|[1-9]\d*)(\.\d+)?(e[+-]?\d+)?$/.test(w)) value = Number(w);
      else fail(valTok.pos, `expected a quoted string value, got ${valTok.v}`);
    } else fail(valTok.pos, "expected a value");
    return { kind: "cmp", attr, op, value };
  };

  const tree = parseOr();
  const rest = peek();
  if (rest)
    fail(rest.pos, `unexpected ${rest.t === "word" || rest.t === "str" ? JSON.stringify(rest.v) : rest.t === "rp" ? '")"' : '"("'}`);
  return tree;
}

export type AttrValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

function matchOne(actual: string | number | boolean, op: "eq" | "co" | "sw" | "ew", want: ScimValue): boolean {
  if (want === null) return false;
  const a = String(actual);
  const w = String(want);
  switch (op) {
    case "eq":
      return a === w;
    case "co":
      return a.includes(w);
    case "sw":
      return a.startsWith(w);
    case "ew":
      return a.endsWith(w);
  }
}

/** Evaluates a parsed filter; `get(attr)` returns the attribute's value for the item. */
export function evaluate(node: ScimNode, get: (attr: string) => AttrValue): boolean {
  switch (node.kind) {
    case "and":
      return evaluate(node.left, get) && evaluate(node.right, get);
    case "or":
      return evaluate(node.left, get) || evaluate(node.right, get);
    case "not":
      return !evaluate(node.expr, get);
    case "pr": {
      const v = get(node.attr);
      return v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);
    }
    case "cmp": {
      const v = get(node.attr);
      const values: (string | number | boolean)[] =
        v === undefined || v === null ? [] : Array.isArray(v) ? [...v] : [v as string | number | boolean];
      if (node.op === "ne") {
        if (node.value === null) return values.length > 0;
        return !values.some((x) => matchOne(x, "eq", node.value));
      }
      if (node.op === "eq" && node.value === null) return values.length === 0;
      return values.some((x) => matchOne(x, node.op as "eq" | "co" | "sw" | "ew", node.value));
    }
  }
}
