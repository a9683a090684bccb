/** What the emulator counts and logs of the requests it serves (`Emulator.stats()`, `requests()`). */
import type * as http from "node:http";

export interface EmulatorStats {
  total: number;
  /** "METHOD template", e.g. "POST access_profiles", "PATCH access_profiles/{id}/versions/{version}"; "METHOD (unmatched)" otherwise. */
  byRoute: Record<string, number>;
  /** HTTP status → responses written (destroyed and hung requests write none). */
  byStatus: Record<string, number>;
  peakInFlight: number;
  faults: { "429": number; "503": number; ambiguous: number; hang: number };
  /** Requests the `rateLimit` token bucket answered 429 (not counted in faults["429"]). */
  rateLimited: number;
}

export interface LoggedRequest {
  method: string;
  /** "METHOD template" as in stats.byRoute. */
  route: string;
  query: Record<string, string>;
  body?: unknown;
  /** The User-Agent header as received. */
  userAgent?: string;
  /** performance.now() when the request arrived and when its response was written (absent if none was). */
  receivedAt: number;
  answeredAt?: number;
}

/** The log keeps the first requests only: a long bench run must not grow it without bound. */
const MAX_LOGGED = 100_000;

function emptyStats(): EmulatorStats {
  return { total: 0, byRoute: {}, byStatus: {}, peakInFlight: 0, faults: { "429": 0, "503": 0, ambiguous: 0, hang: 0 }, rateLimited: 0 };
}

const bump = (rec: Record<string, number>, key: string): void => {
  rec[key] = (rec[key] ?? 0) + 1;
};

export class Statistics {
  private stats = emptyStats();
  private log: LoggedRequest[] = [];
  private inFlight = 0;
  /** Requests since start; not reset by `reset`: it drives failAfterRequests and invalidTokenAfterRequests. */
  requestCount = 0;

  /** A request arrived; it is in flight until its response closes. */
  arrived(res: http.ServerResponse): void {
    this.stats.total++;
    this.requestCount++;
    this.inFlight++;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.inFlight);
    res.once("close", () => this.inFlight--);
  }

  /** Logs the request; with `routed`, counts it under its route too. */
  logged(entry: LoggedRequest, routed = true): void {
    if (routed) bump(this.stats.byRoute, entry.route);
    if (this.log.length < MAX_LOGGED) this.log.push(entry);
  }

  answered(status: number): void {
    bump(this.stats.byStatus, String(status));
  }

  /** A fault the knobs injected, or (`rateLimited`) the token bucket's 429. */
  fault(kind: keyof EmulatorStats["faults"] | "rateLimited"): void {
    if (kind === "rateLimited") this.stats.rateLimited++;
    else this.stats.faults[kind]++;
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.stats);
  }

  requests(): LoggedRequest[] {
    return structuredClone(this.log);
  }

  /** Empties the counters and the log; requests in flight stay the peak's floor. */
  reset(): void {
    this.log = [];
    this.stats = emptyStats();
    this.stats.peakInFlight = this.inFlight;
  }
}
