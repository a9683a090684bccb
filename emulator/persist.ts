/** `--data FILE`: the tenant is loaded at start, re-read when another process changed it, and written atomically after every mutation. */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import type { EmulatorStore } from "./store";
import type { TenantData } from "./types";

export class DataFile {
  private signature = "";

  constructor(
    readonly file: string,
    private readonly store: EmulatorStore,
  ) {}

  private stat(): string {
    try {
      const s = fs.statSync(this.file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return "";
    }
  }

  /** Loads the file if it exists (else writes the current, usually empty, tenant). */
  open(): void {
    if (fs.existsSync(this.file)) this.reload();
    else this.write();
  }

  /** Re-reads the file when its signature differs from what this process last read or wrote. */
  syncFromDisk(): void {
    const sig = this.stat();
    if (sig && sig !== this.signature) this.reload();
  }

  private reload(): void {
    const text = fs.readFileSync(this.file, "utf8");
    const data = JSON.parse(text) as TenantData;
    this.store.load(data);
    this.signature = this.stat();
  }

  write(): void {
    const dir = path.dirname(path.resolve(this.file));
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${path.basename(this.file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(this.store.toJSON(), null, 1));
    fs.renameSync(tmp, this.file);
    this.signature = this.stat();
  }
}
