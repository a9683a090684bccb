/**
 * The tests' Vault transit stand-in (the CLI stacks' secrets provider): what it wraps only it unwraps,
 * an altered ciphertext is refused, and a call without its token is refused. The real CLI's use of it
 * is in tests/real-cli/lifecycle.test.ts (the stack's config names it; secrets stay ciphertext).
 */
import { vaultTransitSecrets } from "./vault-transit";

async function call(op: "encrypt" | "decrypt", body: object, token?: string) {
  const { env } = await vaultTransitSecrets();
  const res = await fetch(`${env.VAULT_ADDR}/v1/transit/${op}/veza-tests`, {
    method: "PUT",
    headers: { "x-vault-token": token ?? env.VAULT_TOKEN, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data?: { ciphertext?: string; plaintext?: string }; errors?: string[] } };
}

test("wraps and unwraps a data key the way Vault's transit engine answers", async () => {
  const key = Buffer.from("a data key of thirty-two bytes!!").toString("base64");
  const wrapped = await call("encrypt", { plaintext: key });
  expect(wrapped.status).toBe(200);
  expect(wrapped.body.data!.ciphertext).toMatch(/^vault:v1:/);
  expect(wrapped.body.data!.ciphertext).not.toContain(key);
  const unwrapped = await call("decrypt", { ciphertext: wrapped.body.data!.ciphertext });
  expect(unwrapped).toEqual({ status: 200, body: { data: { plaintext: key } } });
});

test("refuses an altered ciphertext and a call without the token", async () => {
  const { data } = (await call("encrypt", { plaintext: Buffer.from("k").toString("base64") })).body;
  const tampered = `${data!.ciphertext!.slice(0, -4)}AAA=`;
  expect((await call("decrypt", { ciphertext: tampered })).status).toBe(400);
  expect((await call("decrypt", { ciphertext: data!.ciphertext }, "wrong-token")).status).toBe(403);
});
