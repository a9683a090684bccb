/**
 * What a provider process learnt about its tokens, owned by the provider context (../resources/shared/
 * context.ts) and handed to its client — not a module global, so two contexts (or two tests) never see
 * each other's refusals.
 *
 * - Refused tokens (401), by origin and token digest: later calls with them fail at once with the same
 *   error instead of each sending a request that will be refused.
 * - Token rotation: a config token the server refused is replaced, for the rest of the process, by a
 *   different token from the environment (`Settings.fallbackToken`).
 */
import { createHash } from "node:crypto";
import type { Settings } from "../config";
import type { VezaApiError } from "../errors";
import { pulumiWarn } from "./log";

const keyOf = (s: Settings, token: string) => `${new URL(s.url).origin} ${createHash("sha256").update(token).digest("hex")}`;

export class Credentials {
  private readonly refused = new Map<string, VezaApiError>();
  private readonly replaced = new Map<string, string>();

  /** `warn`: tells the user once that the environment's token is used (names the variable, never a token). */
  constructor(private readonly warn: (message: string) => void = (message) => pulumiWarn(`pulumi-veza: ${message}`)) {}

  /** The token to send: the configured one, unless it was refused and replaced by the environment's. */
  current(s: Settings): string {
    return this.replaced.get(keyOf(s, s.token)) ?? s.token;
  }

  /** The 401 this token already got in this process, if any. */
  refusal(s: Settings, token: string): VezaApiError | undefined {
    return this.refused.get(keyOf(s, token));
  }

  refuse(s: Settings, token: string, error: VezaApiError): void {
    this.refused.set(keyOf(s, token), error);
  }

  /** After a 401 for `used`: whether there is a different environment token, not refused yet, to switch to. */
  canFallBack(s: Settings, used: string): boolean {
    const fb = s.fallbackToken;
    return !!fb && fb.value !== used && used === s.token && !this.refused.has(keyOf(s, fb.value));
  }

  /** Switches to the environment token for the rest of the process (warns the first time). */
  fallBack(s: Settings): void {
    const key = keyOf(s, s.token);
    if (this.replaced.has(key) || !s.fallbackToken) return;
    this.replaced.set(key, s.fallbackToken.value);
    this.warn(
      `the token from stack config was refused (401); using ${s.fallbackToken.variable} from the environment for the rest of this run`,
    );
  }
}
