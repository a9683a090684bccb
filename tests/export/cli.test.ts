/**
 * `pulumi-veza export` as a standalone command, without a tenant: a server that accepts connections
 * and never answers ends the export at the attempts' time limit (VEZA_REQUEST_TIMEOUT_MS) with a
 * message naming the attempt, the limit and the URL, and progress on stderr from the start; the help
 * lists every flag. (Nothing here depends on a tenant's routes: it runs in the "all" project only.)
 */
import * as http from "node:http";
import type { Socket } from "node:net";
import { parseCommand } from "../../provider/command-line";
import { EXPORT_COMMAND } from "../../provider/cli";
import { ROUTES_MODE } from "../resources/helpers";
import { cli } from "./run-cli";

const routesIndependent = ROUTES_MODE === "all" ? describe : describe.skip;

const TOKEN = "tok-export-hang-SECRET-93b1";
const CLEAN: NodeJS.ProcessEnv = {
  ...process.env,
  VEZA_TOKEN: undefined,
  PULUMI_CONFIG: undefined,
  VEZA_LOG: undefined,
  HTTP_PROXY: undefined,
  http_proxy: undefined,
};

routesIndependent("export CLI", () => {
  let server: http.Server;
  const sockets = new Set<Socket>();
  let requests: string[] = [];
  beforeAll(async () => {
    // accepts every connection and request, answers none
    server = http.createServer((req) => void requests.push(`${req.method} ${req.url}`));
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test("a server that never answers: the export ends after the configured attempts, naming the attempt, the time limit and the URL", async () => {
    requests = [];
    const { port } = server.address() as { port: number };
    const url = `http://127.0.0.1:${port}`;
    const res = await cli(["export", "-o", "/dev/null"], {
      ...CLEAN,
      VEZA_URL: url,
      VEZA_API_TOKEN: TOKEN,
      VEZA_REQUEST_TIMEOUT_MS: "150",
      VEZA_MAX_RETRIES: "2",
      VEZA_RETRY_DEADLINE_MS: "60000",
    });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe("");
    expect(requests).toHaveLength(3); // the first attempt and two retries, each given up at the time limit
    expect(requests.every((r) => r.startsWith("GET /api/private/lifecycle_management/access_profiles_types?"))).toBe(true);
    const lines = res.stderr.trim().split("\n");
    // progress from before the first request, then one line per attempt that got no answer
    expect(lines.slice(0, 2)).toEqual([`reading ${url}`, "listing access profile types…"]);
    expect(lines).toContain("no answer to GET access_profiles_types within 150 ms (attempt 1); trying again…");
    expect(lines).toContain("no answer to GET access_profiles_types within 150 ms (attempt 2); trying again…");
    const failure = lines[lines.length - 1]!;
    expect(failure).toContain(
      `pulumi-veza export failed: Veza API GET ${url}/api/private/lifecycle_management/access_profiles_types: no answer within 150 ms (VEZA_REQUEST_TIMEOUT_MS) on attempt 3`,
    );
    expect(failure).toContain("VEZA_MAX_RETRIES and VEZA_RETRY_DEADLINE_MS");
    expect(failure).not.toContain("veza:"); // a standalone command: environment variables, not stack config
    expect(res.stderr).not.toContain(TOKEN);
  }, 60_000);

  test("settings it cannot use are named as the environment variables it reads, never as stack config keys", async () => {
    const run = (env: NodeJS.ProcessEnv) =>
      cli(["export", "-o", "/dev/null"], { ...CLEAN, VEZA_URL: "https://127.0.0.1:9", VEZA_API_TOKEN: TOKEN, ...env });
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ VEZA_MAX_RETRIES: "abc" }, 'environment variable VEZA_MAX_RETRIES must be a whole number >= 0, got "abc"'],
      [{ VEZA_LOG: "loud" }, "environment variable VEZA_LOG must be one of off, info, debug"],
      [{ VEZA_URL: "acme.vezacloud.com" }, "environment variable VEZA_URL must be an http(s) URL"],
      [{ VEZA_URL: "http://acme.example.com" }, "for a lab without TLS set environment variable VEZA_ALLOW_INSECURE_HTTP to true"],
    ];
    for (const [env, message] of cases) {
      const res = await run(env);
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(message);
      expect(res.stderr).not.toMatch(/veza:|config "/);
    }
  }, 60_000);

  test("the help lists every flag the parser accepts", async () => {
    const res = await cli(["--help"], CLEAN);
    expect(res.status).toBe(0);
    for (const flag of [
      "-o, --out FILE",
      "--language typescript|yaml",
      "--project NAME",
      "-h, --help",
      "VEZA_URL",
      "VEZA_API_TOKEN",
      "VEZA_REQUEST_TIMEOUT_MS",
    ])
      expect(res.stdout).toContain(flag);
    // and the parser accepts exactly what the help shows
    const out = (argv: string[]) => parseCommand(EXPORT_COMMAND, argv).values.out;
    expect(out(["-o", "a.ts"])).toBe("a.ts");
    expect(out(["--out", "b.ts"])).toBe("b.ts");
    expect(out(["--out=c.ts"])).toBe("c.ts");
    expect(() => out(["-o"])).toThrow("-o needs a value: FILE");
    expect(() => out(["--verbose"])).toThrow(
      "unknown option --verbose; pulumi-veza export takes -o, --out, --language, --project, -h, --help",
    );
    const values = (argv: string[]) => parseCommand(EXPORT_COMMAND, argv).values;
    expect(values([])).toEqual({ language: "typescript" });
    expect(values(["--language", "yaml", "--project", "access.prod_1"])).toMatchObject({ language: "yaml", project: "access.prod_1" });
    expect(() => values(["--language", "python"])).toThrow('--language must be one of typescript, yaml, got "python"');
    expect(() => values(["--project", "my stack"])).toThrow(
      '--project: a Pulumi project name must be 1 to 100 letters, digits, hyphens, underscores and periods, got "my stack"',
    );
  });

  test("--project without --language yaml is a usage error, and nothing is sent", async () => {
    requests = [];
    const { port } = server.address() as { port: number };
    const res = await cli(["export", "--project", "access"], {
      ...CLEAN,
      VEZA_URL: `http://127.0.0.1:${port}`,
      VEZA_API_TOKEN: TOKEN,
      VEZA_REQUEST_TIMEOUT_MS: "150",
      VEZA_MAX_RETRIES: "0",
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain("pulumi-veza export: --project names the YAML project: it needs --language yaml");
    expect(requests).toEqual([]);
  });
});
