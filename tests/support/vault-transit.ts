/**
 * The secrets provider of the tests' CLI stacks: a stand-in for HashiCorp Vault's transit engine
 * (its encrypt and decrypt calls only), served from the test process on 127.0.0.1.
 *
 * Why not the passphrase a user's file-backend stack has: the passphrase secrets manager derives its
 * key with 1,000,000 rounds of PBKDF2 in every CLI command that opens the stack (about 0.18 s of CPU;
 * ~170 commands a run). With `--secrets-provider hashivault://…` the CLI's own cloud secrets manager
 * (pkg/secrets/cloud, gocloud.dev's hashivault keeper) makes one data key at `stack init`, has Vault
 * wrap it, and in each later command asks Vault to unwrap it: one local HTTP call. Secret config and
 * state are then encrypted by the CLI exactly as for any stack (AES-256-GCM under the data key), so
 * what a test reads (`ciphertext` in state, no token in a file) is what a user's stack holds. The
 * passphrase path stays covered by `npm start`'s tests (scripts/start.ts makes passphrase stacks).
 *
 * The wrapping here is real AES-256-GCM under a key made when the server starts (one per test
 * process, which outlives every stack it serves), and a call without the token is refused.
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { StackSecretsProvider } from "../../harness/pulumi-cli";

const KEY_NAME = "veza-tests";
const PREFIX = "vault:v1:";

function wrap(key: Buffer, plaintext: Buffer): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

function unwrap(key: Buffer, ciphertext: string): Buffer {
  if (!ciphertext.startsWith(PREFIX)) throw new Error("not a vault:v1 ciphertext");
  const raw = Buffer.from(ciphertext.slice(PREFIX.length), "base64");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

/** Serves `/v1/transit/{encrypt,decrypt}/<key>` as Vault does (JSON in `data`, errors in `errors`). */
function serve(key: Buffer, token: string): http.Server {
  return http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      if (req.headers["x-vault-token"] !== token) return reply(403, { errors: ["permission denied"] });
      const route = /^\/v1\/transit\/(encrypt|decrypt)\/([\w.-]+)$/.exec(req.url ?? "");
      if (!route || (req.method !== "PUT" && req.method !== "POST")) return reply(404, { errors: [] });
      try {
        const body = JSON.parse(raw) as { plaintext?: string; ciphertext?: string };
        if (route[1] === "encrypt") return reply(200, { data: { ciphertext: wrap(key, Buffer.from(body.plaintext ?? "", "base64")) } });
        return reply(200, { data: { plaintext: unwrap(key, body.ciphertext ?? "").toString("base64") } });
      } catch (e) {
        return reply(400, { errors: [(e as Error).message] });
      }
    });
  });
}

let started: Promise<StackSecretsProvider> | undefined;

/**
 * This process's transit stand-in (started on first use, never holding the process open) as a
 * stack's secrets provider.
 */
export function vaultTransitSecrets(): Promise<StackSecretsProvider> {
  started ??= new Promise((resolve, reject) => {
    const token = crypto.randomBytes(16).toString("hex");
    const server = serve(crypto.randomBytes(32), token);
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.unref();
      const { port } = server.address() as AddressInfo;
      resolve({ url: `hashivault://${KEY_NAME}`, env: { VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_TOKEN: token } });
    });
  });
  return started;
}
