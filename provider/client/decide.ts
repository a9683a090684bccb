/**
 * What `VezaClient.call` does after each attempt, as a pure function of the attempt's outcome and the
 * call's state: return the body, throw, look the object up first (a POST that may have been committed),
 * or try again after a wait. No I/O, no clock, no randomness (the backoff is handed in), so every rule
 * is a row of a table test (decide.test.ts in the client tests).
 */
import type { HttpMethod } from "./endpoints";
import { RETRYABLE_STATUSES, networkVerdict, retryableStatus } from "./retry";

/** What one attempt gave, reduced to what the decision needs. */
export type AttemptResult =
  | { kind: "ok" }
  | { kind: "status"; status: number; retryAfterMs?: number }
  | { kind: "network"; cause: unknown; fatal?: boolean };

export interface CallState {
  method: HttpMethod;
  /** Attempts made before this one (0 for the first). */
  attempt: number;
  maxRetries: number;
  /** Time the call has taken so far, and its limit (veza:retryDeadlineMs). */
  elapsedMs: number;
  deadlineMs: number;
  /** The wait before the next attempt when the answer names none (the client's backoff with jitter). */
  backoffMs: number;
  /** The call can look its object up (a POST with a way to find what it creates). */
  canRecover: boolean;
  /** An earlier attempt of this call may have been committed without an answer (or was answered 5xx). */
  ambiguousBefore: boolean;
  /** A refused config token can be replaced by the environment's (see credentials.ts), not done yet in this call. */
  canSwitchToken: boolean;
}

/** What to do next, without a look-up first. */
export type Step =
  | { do: "return" }
  /** `gaveUpAfterMs`: the failure was retryable, but no attempt or time was left for that wait. */
  | { do: "throw"; ambiguous?: boolean; gaveUpAfterMs?: number }
  /** Attempt again after `afterMs`; `switchToken`: with the environment's token, not counted as an attempt. */
  | { do: "retry"; afterMs: number; switchToken?: boolean };

export type Decision =
  | Step
  /** Look the object up: return it when found, else do `orElse`. `ambiguous`: the attempt may have been committed. */
  | { do: "recover"; ambiguous: boolean; orElse: Step };

/** Retry after `afterMs` while attempts and time remain, else throw the last error. */
function retryWithin(s: CallState, afterMs: number): Step {
  if (s.attempt >= s.maxRetries || s.elapsedMs + afterMs > s.deadlineMs) return { do: "throw", gaveUpAfterMs: afterMs };
  return { do: "retry", afterMs };
}

export function decide(r: AttemptResult, s: CallState): Decision {
  if (r.kind === "ok") return { do: "return" };
  if (r.kind === "network") {
    if (r.fatal) return { do: "throw" }; // retrying cannot help: untrusted certificate, proxy wants credentials
    const again = retryWithin(s, s.backoffMs);
    if (networkVerdict(s.method, r.cause) !== "ambiguous") return again;
    return s.canRecover ? { do: "recover", ambiguous: true, orElse: again } : { do: "throw", ambiguous: true };
  }
  const { status } = r;
  // a refused config token: once per call, again at once with the environment's token
  if (status === 401 && s.canSwitchToken) return { do: "retry", afterMs: 0, switchToken: true };
  // a 409 after an attempt that may have been committed: it may be our own object
  if (status === 409 && s.ambiguousBefore && s.canRecover) return { do: "recover", ambiguous: false, orElse: { do: "throw" } };
  const again = retryWithin(s, r.retryAfterMs ?? s.backoffMs);
  if (retryableStatus(s.method, status)) return again;
  // a POST answered 5xx may still have been committed: look it up by name before trying again
  if (s.method === "POST" && RETRYABLE_STATUSES.has(status) && s.canRecover) return { do: "recover", ambiguous: true, orElse: again };
  return { do: "throw" };
}
