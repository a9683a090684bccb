/**
 * The settings table (provider/config.ts `SETTINGS`) drives `resolveSettings`: every row is read
 * from its config key and from each of its environment variables, takes its default when unset,
 * and refuses a malformed value naming the config key, the variables, what is allowed and what was
 * given. docs/index.md is generated from the same rows (tests/docs checks it is current).
 */
import { DEFAULT_MAX_CONCURRENCY, SETTINGS, resolveSettings, type Settings } from "../../provider/config";
import { VezaConfigError } from "../../provider/errors";

const REQUIRED = { VEZA_URL: "https://acme.vezacloud.com", VEZA_API_TOKEN: "t" };

/** Per setting: a valid text and the value it reads as; a malformed text and what the message says is allowed (none: every text is valid). */
const samples: Record<string, { text: string; value: unknown; bad?: string; allowed?: string; shown?: string }> = {
  url: {
    text: "https://other.vezacloud.com//",
    value: "https://other.vezacloud.com",
    bad: "acme.vezacloud.com",
    allowed: "must be an http(s) URL like https://acme.vezacloud.com",
  },
  token: { text: "t-2", value: "t-2" },
  maxConcurrency: { text: "8", value: 8, bad: "0", allowed: "must be a whole number >= 1" },
  requestTimeoutMs: { text: "1500", value: 1500, bad: "1.5", allowed: "must be a whole number >= 0" },
  maxRetries: { text: "0", value: 0, bad: "-1", allowed: "must be a whole number >= 0" },
  retryDeadlineMs: { text: "60000", value: 60000, bad: "a minute", allowed: "must be a whole number >= 0" },
  proxy: {
    text: "proxy.local:3128",
    value: "http://proxy.local:3128/",
    bad: "ftp://user:pw@proxy.local",
    allowed: "must be a proxy URL like http://proxy.example.com:3128",
    shown: "ftp://***@proxy.local",
  },
  allowInsecureHttp: { text: " TRUE ", value: true, bad: "yes", allowed: "must be true or false" },
  logLevel: { text: "Debug", value: "debug", bad: "verbose", allowed: "must be one of off, info, debug" },
  adaptivePacing: { text: "false", value: false, bad: "sometimes", allowed: "must be true or false" },
  maxRequestsPerSecond: { text: "20", value: 20, bad: "2.5", allowed: "must be a whole number >= 0" },
  readCacheTtlMs: { text: "0", value: 0, bad: "soon", allowed: "must be a whole number >= 0" },
};

test("the samples cover every row, and every row has a config key, a variable and a doc", () => {
  expect(Object.keys(samples).sort()).toEqual(SETTINGS.map((r) => r.key).sort());
  for (const r of SETTINGS) {
    expect(r.config).toMatch(/^veza:\w+$/);
    expect(r.env.length).toBeGreaterThan(0);
    expect(r.doc.length).toBeGreaterThan(20);
  }
});

describe.each(SETTINGS.map((r) => [r.key, r] as const))("%s", (key, row) => {
  const sample = samples[key]!;
  /** The required settings from the environment, except this row's own variables. */
  const others: Record<string, string> = Object.fromEntries(Object.entries(REQUIRED).filter(([v]) => !row.env.includes(v)));
  const read = (stackConfig: Record<string, string>, env: Record<string, string>) =>
    resolveSettings({}, stackConfig, { ...others, ...env })[key as keyof Settings];

  test("unset: its default (a required setting fails as missing)", () => {
    if (row.required) {
      expect(() => resolveSettings({}, {}, others)).toThrow(
        `Missing Veza connection settings. ${row.required}: set config "${row.config}" or environment variable ${row.env.join(" / ")}.`,
      );
    } else {
      expect(read({}, {})).toEqual(row.default);
    }
  });

  test("read from its config key and from each of its variables; the config key first; an override before both", () => {
    expect(read({ [row.config]: sample.text }, {})).toEqual(sample.value);
    for (const variable of row.env) expect(read({}, { [variable]: sample.text })).toEqual(sample.value);
    const other = row.env.map((v) => [v, sample.bad ?? "ignored"]);
    expect(read({ [row.config]: sample.text }, Object.fromEntries(other))).toEqual(sample.value);
    expect(resolveSettings({ [key]: sample.text }, { [row.config]: sample.bad ?? "ignored" }, others)[key as keyof Settings]).toEqual(
      sample.value,
    );
  });

  test("a malformed value: a VezaConfigError naming the key, the variables, what is allowed and what was given", () => {
    if (sample.bad === undefined) return expect(sample.allowed).toBeUndefined(); // every text is a token
    const message = `config "${row.config}" or environment variable ${row.env.join(" / ")} ${sample.allowed}, got "${sample.shown ?? sample.bad}"`;
    let thrown: unknown;
    try {
      read({}, { [row.env[0]!]: sample.bad });
    } catch (e) {
      thrown = e;
    }
    expect(VezaConfigError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(message);
  });
});

test("the exported default ceiling is the row's", () => {
  expect(SETTINGS.find((r) => r.key === "maxConcurrency")!.default).toBe(DEFAULT_MAX_CONCURRENCY);
});

test("a token from stack config keeps a different environment token as its fallback (VEZA_API_TOKEN, then VEZA_TOKEN)", () => {
  const s = resolveSettings(
    {},
    { "veza:apiToken": "from-config" },
    { VEZA_URL: REQUIRED.VEZA_URL, VEZA_API_TOKEN: "from-config", VEZA_TOKEN: "other" },
  );
  expect(s.fallbackToken).toEqual({ value: "other", variable: "VEZA_TOKEN" });
  expect(resolveSettings({}, {}, { ...REQUIRED, VEZA_TOKEN: "other" }).fallbackToken).toBeUndefined();
});
