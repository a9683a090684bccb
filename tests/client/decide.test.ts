/**
 * What `VezaClient.call` does after an attempt (provider/client/decide.ts), as a table: one row per
 * rule, outcome and state in, decision out. Pure: no server, no clock.
 */
import { decide, type AttemptResult, type CallState, type Decision, type Step } from "../../provider/client/decide";

const base: CallState = {
  method: "GET",
  attempt: 0,
  maxRetries: 6,
  elapsedMs: 0,
  deadlineMs: 120_000,
  backoffMs: 40,
  canRecover: false,
  ambiguousBefore: false,
  canSwitchToken: false,
};

const net = (code: string, fatal = false): AttemptResult => ({ kind: "network", cause: Object.assign(new Error(code), { code }), fatal });
const status = (s: number, retryAfterMs?: number): AttemptResult => ({ kind: "status", status: s, retryAfterMs });
const retry = (afterMs: number): Step => ({ do: "retry", afterMs });
const THROW: Step = { do: "throw" };
/** Retryable, but no attempt or time left for the wait. */
const gaveUp = (afterMs: number): Step => ({ do: "throw", gaveUpAfterMs: afterMs });

const rows: [string, AttemptResult, Partial<CallState>, Decision][] = [
  ["an answer is returned", { kind: "ok" }, {}, { do: "return" }],
  // statuses
  ["GET 503: retry after the backoff", status(503), {}, retry(40)],
  ["GET 429 with Retry-After: retry after it", status(429, 2000), {}, retry(2000)],
  ["GET 429 with Retry-After 0: retry at once", status(429, 0), {}, retry(0)],
  ["GET 400: throw (a client error does not heal)", status(400), {}, THROW],
  ["GET 404: throw (the caller reads what a 404 means)", status(404), {}, THROW],
  ["PATCH 502: retry (idempotent)", status(502), { method: "PATCH" }, retry(40)],
  ["POST 429: retry (refused before any work)", status(429), { method: "POST" }, retry(40)],
  ["POST 503 without a look-up: throw (it may have been committed)", status(503), { method: "POST" }, THROW],
  [
    "POST 503 with a look-up: look it up first, retry when not found",
    status(503),
    { method: "POST", canRecover: true },
    { do: "recover", ambiguous: true, orElse: retry(40) },
  ],
  [
    "POST 503 with a look-up on the last attempt: look it up, throw when not found",
    status(503),
    { method: "POST", canRecover: true, attempt: 6 },
    { do: "recover", ambiguous: true, orElse: gaveUp(40) },
  ],
  [
    "POST 409 after an ambiguous attempt: it may be ours — look it up, throw when not found",
    status(409),
    { method: "POST", canRecover: true, ambiguousBefore: true },
    { do: "recover", ambiguous: false, orElse: THROW },
  ],
  ["POST 409 with nothing ambiguous before: throw (the name is taken)", status(409), { method: "POST", canRecover: true }, THROW],
  // tokens
  [
    "401 with an environment token to switch to: again at once, not counted",
    status(401),
    { canSwitchToken: true },
    { do: "retry", afterMs: 0, switchToken: true },
  ],
  ["401 without one: throw", status(401), {}, THROW],
  // limits
  ["GET 503 on the last attempt: throw, giving up the backoff", status(503), { attempt: 6 }, gaveUp(40)],
  ["GET 503 whose wait would end past the deadline: throw, giving up that wait", status(503, 5000), { elapsedMs: 116_000 }, gaveUp(5000)],
  ["GET 503 whose wait ends just at the deadline: retry", status(503, 4000), { elapsedMs: 116_000 }, retry(4000)],
  // network
  ["GET, connection refused: retry", net("ECONNREFUSED"), {}, retry(40)],
  ["GET, socket closed mid-answer: retry (idempotent)", net("UND_ERR_SOCKET"), {}, retry(40)],
  ["POST, connection refused: retry (nothing reached the server)", net("ECONNREFUSED"), { method: "POST" }, retry(40)],
  ["POST, socket closed without a look-up: throw, ambiguous", net("UND_ERR_SOCKET"), { method: "POST" }, { do: "throw", ambiguous: true }],
  [
    "POST, socket closed with a look-up: look it up, retry when not found",
    net("UND_ERR_SOCKET"),
    { method: "POST", canRecover: true },
    { do: "recover", ambiguous: true, orElse: retry(40) },
  ],
  ["an untrusted certificate: throw (retrying cannot help)", net("SELF_SIGNED_CERT_IN_CHAIN", true), {}, THROW],
  ["GET, refused on the last attempt: throw, giving up the backoff", net("ECONNREFUSED"), { attempt: 6 }, gaveUp(40)],
];

test.each(rows)("%s", (_title, result, state, expected) => {
  expect(decide(result, { ...base, ...state })).toEqual(expected);
});
