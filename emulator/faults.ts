/** Per-request fault decisions, drawn from the seeded PRNG so a run is reproducible. */
import type { EmulatorKnobs } from "./knobs";

export interface FaultDecision {
  /** never answer */
  hang: boolean;
  /** answer 429 (with Retry-After when `retryAfter`) */
  rateLimit: boolean;
  retryAfter: boolean;
  /** answer 503 */
  unavailable: boolean;
  /** POST only: commit, then destroy the socket without answering */
  ambiguous: boolean;
}

/** Always draws five numbers, so one knob's value does not shift the others' sequence. */
export function decideFaults(knobs: EmulatorKnobs, rng: () => number, method: string): FaultDecision {
  const [a, b, c, d, e] = [rng(), rng(), rng(), rng(), rng()];
  const hang = a < knobs.hangRate;
  const rateLimit = !hang && b < knobs.rate429;
  const unavailable = !hang && !rateLimit && d < knobs.rate503;
  const ambiguous = !hang && !rateLimit && !unavailable && method === "POST" && e < knobs.ambiguousPostRate;
  return { hang, rateLimit, retryAfter: rateLimit && c < knobs.retryAfterFraction, unavailable, ambiguous };
}
