import { and, co, eq, or, quote } from "../../provider/filter";
import { backoffDelay, networkVerdict, parseRetryAfter, retryableStatus } from "../../provider/client/retry";
import { renderPath } from "../../provider/client/endpoints";

describe("retry rules", () => {
  test("Retry-After as seconds and as an HTTP date", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(parseRetryAfter("Wed, 25 Nov 2026 10:00:03 GMT", now)).toBe(3000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  test("full jitter stays within [0, min(cap, base*2^n))", () => {
    for (let n = 0; n < 12; n++) {
      expect(backoffDelay(n, { baseMs: 100, capMs: 2000, random: () => 0.999999 })).toBeLessThan(Math.min(2000, 100 * 2 ** n));
      expect(backoffDelay(n, { random: () => 0 })).toBe(0);
    }
  });

  test("POST retries only on 429 or when nothing was sent", () => {
    expect(retryableStatus("POST", 429)).toBe(true);
    expect(retryableStatus("POST", 503)).toBe(false);
    expect(retryableStatus("PATCH", 503)).toBe(true);
    expect(retryableStatus("GET", 400)).toBe(false);
    expect(networkVerdict("POST", Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBe("retry");
    expect(networkVerdict("POST", Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" }))).toBe("ambiguous");
    expect(networkVerdict("PUT", Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" }))).toBe("retry");
  });
});

describe("filter builder", () => {
  test("quotes and escapes values", () => {
    expect(quote('a "b" \\ c')).toBe('"a \\"b\\" \\\\ c"');
    expect(and(eq("profile_type", "t1"), co("labels", "requestable"))).toBe('(profile_type eq "t1") and (labels co "requestable")');
    expect(or(eq("name", "x"))).toBe('name eq "x"');
    expect(() => eq("bad attr", "x")).toThrow(/not a valid attribute/);
  });

  test("path parameters are encoded", () => {
    expect(renderPath("access_profiles/{id}/versions/{version}", { id: "a/b", version: 2 })).toBe(
      "/api/private/lifecycle_management/access_profiles/a%2Fb/versions/2",
    );
    expect(() => renderPath("access_profiles/{id}")).toThrow(/missing path parameter "id"/);
  });
});
