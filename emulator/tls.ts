/**
 * `--tls`: a private CA and a server certificate signed by it, made at start with the `openssl`
 * command (Node can make keys but not certificates). The CA is written to `ca.pem` so a client can
 * trust it (NODE_EXTRA_CA_CERTS); the server certificate names localhost, 127.0.0.1, ::1 and any
 * extra names asked for.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TlsOptions {
  /** Extra DNS names the server certificate covers (besides localhost, 127.0.0.1 and ::1). */
  names?: string[];
  /** Directory for ca.pem and the keys (default: a new temporary directory, removed at close). */
  dir?: string;
}

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  /** PEM of the CA that signed the server certificate: what NODE_EXTRA_CA_CERTS should name. */
  caFile: string;
  dir: string;
  /** True when `dir` was made here (and is removed at close). */
  ownDir: boolean;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === "ENOENT") throw new Error("emulator --tls needs the openssl command on PATH to make its certificates");
    throw new Error(`emulator --tls: openssl ${args[0]} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
}

/** Makes a CA (2 days) and a server certificate signed by it (2 days). */
export function makeTlsMaterial(o: TlsOptions = {}): TlsMaterial {
  const ownDir = !o.dir;
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "veza-emu-tls-"));
  fs.mkdirSync(dir, { recursive: true });
  const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    [
      "req",
      "-x509",
      ...curve,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=Veza emulator private CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  openssl(["req", "-new", ...curve, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
  const names = ["DNS:localhost", "IP:127.0.0.1", "IP:::1", ...(o.names ?? []).map((n) => `DNS:${n}`)];
  fs.writeFileSync(
    path.join(dir, "server.ext"),
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${names.join(",")}\n`,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-set_serial",
      `0x${randomBytes(8).toString("hex")}`,
      "-days",
      "2",
      "-sha256",
      "-extfile",
      "server.ext",
      "-out",
      "server.pem",
    ],
    dir,
  );
  return {
    key: fs.readFileSync(path.join(dir, "server.key")),
    cert: fs.readFileSync(path.join(dir, "server.pem")),
    caFile: path.join(dir, "ca.pem"),
    dir,
    ownDir,
  };
}
