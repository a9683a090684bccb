/**
 * The request log: lines on the provider process's stderr, which the Pulumi CLI shows.
 * `debug`: one line per attempt; `info`: retries and warnings only; `off` (default): nothing.
 * A line carries the method, route template, path (no query), status, duration, attempt number,
 * why the attempt is a retry and the server's request id. Never the token, headers or bodies.
 */
import type { LogLevel } from "../config";
import { SHORTEST_REDACTED_SECRET } from "./messages";

/** A warning the Pulumi CLI shows (through the SDK's log); on stderr where the SDK cannot be loaded. */
export function pulumiWarn(message: string): void {
  try {
    // the SDK's log module, not its index, which loads all of the SDK (CONTRIBUTING, "Loading @pulumi/pulumi")
    void (require("@pulumi/pulumi/log") as typeof import("@pulumi/pulumi/log")).warn(message);
  } catch {
    process.stderr.write(`warning: ${message}\n`);
  }
}

export interface AttemptRecord {
  method: string;
  /** Route template, e.g. `access_profiles/{id}`. */
  template: string;
  /** The requested path without the query string. */
  path: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** HTTP status, or undefined when no response arrived. */
  status?: number;
  /** Network error code when no response arrived. */
  errorCode?: string;
  /** Not sent at all (e.g. the token was already refused). */
  notSent?: boolean;
  ms?: number;
  requestId?: string;
  /** Why this attempt was made again: the previous attempt's status or error. */
  retryOf?: string;
}

export interface RetryRecord {
  kind: "retry" | "ambiguous" | "recovered";
  method: string;
  path: string;
  attempt: number;
  status?: number;
  waitMs?: number;
  reason?: string;
}

const PREFIX = "[veza]";

export class RequestLog {
  constructor(
    readonly level: LogLevel,
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly secrets: string[] = [],
  ) {}

  get debug(): boolean {
    return this.level === "debug";
  }

  /** debug: one line per attempt. */
  attempt(r: AttemptRecord): void {
    if (this.level !== "debug") return;
    const result = r.notSent ? "not sent" : r.status !== undefined ? String(r.status) : `no response (${r.errorCode || "network error"})`;
    const parts = [
      `${PREFIX} ${r.method} ${r.template} ${r.path}`,
      `-> ${result}`,
      r.ms !== undefined ? `${r.ms}ms` : "",
      `attempt ${r.attempt}`,
      r.retryOf ? `retry of ${r.retryOf}` : "",
      r.requestId ? `request-id ${r.requestId}` : "",
    ];
    this.emit(parts.filter(Boolean).join(" "));
  }

  /** info and debug: a retry scheduled, an ambiguous write, a write recovered by lookup. */
  event(e: RetryRecord): void {
    if (this.level === "off") return;
    const why = [e.status !== undefined ? `HTTP ${e.status}` : "", e.reason ?? ""].filter(Boolean).join(" ");
    if (e.kind === "retry") {
      this.emit(
        `${PREFIX} retry ${e.method} ${e.path} after attempt ${e.attempt + 1}${why ? ` (${why})` : ""}, waiting ${e.waitMs ?? 0}ms`,
      );
    } else if (e.kind === "ambiguous") {
      this.emit(
        `${PREFIX} ${e.method} ${e.path} attempt ${e.attempt + 1} got no answer after it was sent${why ? ` (${why})` : ""}: looking the object up before trying again`,
      );
    } else {
      this.emit(`${PREFIX} ${e.method} ${e.path} found the object the unanswered attempt ${e.attempt + 1} created`);
    }
  }

  /** info and debug: something the user should know (e.g. clear-text http allowed). */
  notice(message: string): void {
    if (this.level === "off") return;
    this.emit(`${PREFIX} ${message}`);
  }

  private emit(line: string): void {
    let out = line;
    for (const s of this.secrets) if (s && s.length >= SHORTEST_REDACTED_SECRET) out = out.split(s).join("[redacted]");
    this.write(out);
  }
}
