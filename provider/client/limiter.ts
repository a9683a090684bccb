/**
 * A counting semaphore: at most `limit` holders at once, waiters served in order.
 * (Small enough that a dependency would not earn its place; p-limit is ESM-only.)
 */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  peak = 0;

  constructor(private limit: number) {}

  setLimit(limit: number): void {
    this.limit = Math.max(1, limit);
    this.drain();
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.take();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(() => { this.take(); resolve(); }));
  }

  private take(): void {
    this.active++;
    if (this.active > this.peak) this.peak = this.active;
  }

  private release(): void {
    this.active--;
    this.drain();
  }

  private drain(): void {
    while (this.active < this.limit && this.queue.length) this.queue.shift()!();
  }
}

let shared: Limiter | undefined;

/** The one limiter of this process, shared by every client and resource. */
export function processLimiter(limit: number): Limiter {
  if (!shared) shared = new Limiter(limit);
  else shared.setLimit(limit);
  return shared;
}
