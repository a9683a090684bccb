/**
 * `node dist/scripts/sizes.js [--top N] [--root DIR] [DIR…]`: the largest source files (lines) and functions (lines
 * from the declaration to its closing brace, nested functions inside included) of provider/,
 * emulator/ and harness/ (or the folders given), read with the TypeScript compiler API. Issue 30
 * asks for these figures before and after a split.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { runCommand, type OptionTable } from "../provider/command-line";

export interface Sized {
  name: string;
  lines: number;
}

const OPTIONS = {
  top: { type: "integer", default: 10, min: 1, description: "how many files and functions to list" },
  root: {
    type: "string",
    value: "DIR",
    description: "the folders are read under DIR (default: the repository), e.g. a `git archive` of another commit",
  },
} satisfies OptionTable;

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? sourceFiles(path.join(dir, e.name))
        : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")
          ? [path.join(dir, e.name)]
          : [],
    );
}

/** What a function is called where it is declared: its own name, the variable or property it is assigned to, or `<anonymous>`. */
function nameOf(node: ts.Node, sf: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const p = node.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p))) return p.name.getText(sf);
  return "<anonymous>";
}

/** Every file's and every function's size under `dirs`, paths relative to `root`. */
export function measure(root: string, dirs: string[]): { files: Sized[]; functions: Sized[] } {
  const files: Sized[] = [];
  const functions: Sized[] = [];
  for (const file of dirs.flatMap((d) => sourceFiles(path.join(root, d)))) {
    const text = fs.readFileSync(file, "utf8");
    const rel = path.relative(root, file);
    files.push({ name: rel, lines: text.split("\n").length - (text.endsWith("\n") ? 1 : 0) });
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
        const line = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
        const start = line(node.getStart(sf));
        functions.push({ name: `${rel}:${start + 1} ${nameOf(node, sf)}`, lines: line(node.getEnd()) - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  const bySize = (a: Sized, b: Sized) => b.lines - a.lines || a.name.localeCompare(b.name);
  return { files: files.sort(bySize), functions: functions.sort(bySize) };
}

if (require.main === module) {
  runCommand(
    {
      command: "node dist/scripts/sizes.js",
      summary: "The largest files and functions of the given folders (default: provider emulator harness).",
      options: OPTIONS,
      positionals: "[DIR…]",
    },
    process.argv.slice(2),
    ({ values, positionals }) => {
      const root = path.resolve(values.root ?? path.join(__dirname, "..", ".."));
      const { files, functions } = measure(root, positionals.length ? positionals : ["provider", "emulator", "harness"]);
      const list = (rows: Sized[]) => rows.slice(0, values.top).map((r) => `${String(r.lines).padStart(6)}  ${r.name}`);
      process.stdout.write(["Largest files (lines):", ...list(files), "", "Largest functions (lines):", ...list(functions), ""].join("\n"));
      return 0;
    },
  );
}
