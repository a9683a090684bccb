/** The rateLimit knob: a token bucket in front of every route, answering 429 with Retry-After like a gateway. */
import { mergeKnobs, DEFAULT_KNOBS } from "../../emulator/knobs";
import { TokenBucket, parseRateLimit } from "../../emulator/ratelimit";
import { type Api, start } from "./helpers";

let api: Api | undefined;
afterEach(async () => {
  await api?.emu.close();
  api = undefined;
});

describe("TokenBucket (its own clock)", () => {
  test("starts full: `burst` requests pass at once, the next is refused with Retry-After >= 1 in whole seconds", () => {
    const b = new TokenBucket({ perSec: 25, burst: 10 }, 0);
    for (let i = 0; i < 10; i++) expect(b.take(0).allowed).toBe(true);
    const refused = b.take(0);
    expect(refused).toMatchObject({ allowed: false, retryAfterS: 1, remaining: 0 });
  });

  test("refills at perSec: 100 ms at 25/s frees 2.5 tokens, so 2 pass", () => {
    const b = new TokenBucket({ perSec: 25, burst: 10 }, 0);
    for (let i = 0; i < 10; i++) b.take(0);
    expect(b.take(100).allowed).toBe(true);
    expect(b.take(100).allowed).toBe(true);
    expect(b.take(100).allowed).toBe(false);
  });

  test("over a long run, what passes is burst + perSec × time, whatever the demand", () => {
    const b = new TokenBucket({ perSec: 50, burst: 5 }, 0);
    let passed = 0;
    for (let t = 0; t <= 10_000; t += 2) if (b.take(t).allowed) passed++; // 500 requests/s offered for 10 s
    expect(passed).toBeGreaterThanOrEqual(5 + 500 - 1);
    expect(passed).toBeLessThanOrEqual(5 + 500 + 1);
  });

  test("a slow bucket asks for more than one second", () => {
    const b = new TokenBucket({ perSec: 0.25, burst: 1 }, 0);
    expect(b.take(0).allowed).toBe(true);
    expect(b.take(0)).toMatchObject({ allowed: false, retryAfterS: 4 });
  });

  test("remaining and reset describe the bucket", () => {
    const b = new TokenBucket({ perSec: 10, burst: 10 }, 0);
    expect(b.take(0)).toMatchObject({ allowed: true, remaining: 9, resetS: 1 });
    const full = new TokenBucket({ perSec: 2, burst: 10 }, 0);
    for (let i = 0; i < 10; i++) full.take(0);
    expect(full.take(0)).toMatchObject({ allowed: false, remaining: 0, resetS: 5 });
  });
});

test("knob validation and the CLI/env syntax", () => {
  expect(mergeKnobs({ ...DEFAULT_KNOBS }, { rateLimit: { perSec: 25, burst: 10 } }).rateLimit).toEqual({ perSec: 25, burst: 10 });
  expect(mergeKnobs({ ...DEFAULT_KNOBS }, { rateLimit: null }).rateLimit).toBeNull();
  expect(() => mergeKnobs({ ...DEFAULT_KNOBS }, { rateLimit: { perSec: 0, burst: 10 } })).toThrow(/rateLimit/);
  expect(() => mergeKnobs({ ...DEFAULT_KNOBS }, { rateLimit: { perSec: 5, burst: 0 } })).toThrow(/rateLimit/);
  expect(() => mergeKnobs({ ...DEFAULT_KNOBS }, { rateLimitHeaders: "yes" as never })).toThrow(/rateLimitHeaders/);
  expect(parseRateLimit("25/10")).toEqual({ perSec: 25, burst: 10 });
  expect(parseRateLimit("25")).toEqual({ perSec: 25, burst: 25 });
  expect(parseRateLimit("off")).toBeNull();
  expect(() => parseRateLimit("fast")).toThrow(/PERSEC/);
});

test("over HTTP: a burst of 10 passes, the rest of a quick volley gets 429 code 8 with Retry-After: 1", async () => {
  api = await start({ rateLimit: { perSec: 2, burst: 10 } });
  const replies = await Promise.all(Array.from({ length: 16 }, () => api!.get("access_profiles_types")));
  const ok = replies.filter((r) => r.status === 200);
  const limited = replies.filter((r) => r.status === 429);
  expect(ok.length).toBeGreaterThanOrEqual(10);
  expect(ok.length).toBeLessThanOrEqual(11); // a token may drip in while the volley arrives
  expect(limited.length).toBe(16 - ok.length);
  for (const r of limited) {
    expect(r.body).toMatchObject({ code: 8 });
    expect(r.headers.get("retry-after")).toBe("1");
  }
  expect(ok[0].headers.get("x-ratelimit-remaining")).toBeNull(); // headers are off by default
  const st = api.emu.stats();
  expect(st.rateLimited).toBe(limited.length);
  expect(st.faults["429"]).toBe(0); // the random-429 knob's counter stays apart
  expect(st.byStatus["429"]).toBe(limited.length);
});

test("rateLimitHeaders: X-RateLimit-* or RateLimit-* (+ Policy) on answers, 429s included; off again with rateLimit null", async () => {
  api = await start({ rateLimit: { perSec: 0.2, burst: 3 }, rateLimitHeaders: "x-ratelimit" }); // 5 s a token: the test has time
  const first = await api.get("access_profiles_types");
  expect(first.status).toBe(200);
  expect(first.headers.get("x-ratelimit-limit")).toBe("0.2");
  expect(first.headers.get("x-ratelimit-remaining")).toBe("2");
  expect(Number(first.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(1);
  await api.get("access_profiles_types");
  await api.get("access_profiles_types");
  const refused = await api.get("access_profiles_types");
  expect(refused.status).toBe(429);
  expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);

  api.emu.setKnobs({ rateLimit: { perSec: 5, burst: 2 }, rateLimitHeaders: "ratelimit" }); // a changed knob: a new, full bucket
  const ietf = await api.get("access_profiles_types");
  expect(ietf.status).toBe(200);
  expect(ietf.headers.get("ratelimit-policy")).toBe("5;w=1;burst=2");
  expect(ietf.headers.get("ratelimit-remaining")).toBe("1");
  expect(ietf.headers.get("x-ratelimit-limit")).toBeNull();

  api.emu.setKnobs({ rateLimitHeaders: "ratelimit-structured" }); // the draft's structured fields (-08 on)
  const structured = await api.get("access_profiles_types");
  expect(structured.headers.get("ratelimit")).toBe('"bucket";r=0;t=1');
  expect(structured.headers.get("ratelimit-policy")).toBe('"bucket";q=5;w=1');
  expect(structured.headers.get("ratelimit-remaining")).toBeNull();

  api.emu.setKnobs({ rateLimit: null });
  for (let i = 0; i < 5; i++) {
    const r = await api.get("access_profiles_types");
    expect(r.status).toBe(200);
    expect(r.headers.get("ratelimit-limit")).toBeNull();
  }
});
