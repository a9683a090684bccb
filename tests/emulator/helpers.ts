/** Plain-fetch client for the emulator tests (deliberately not the provider's client). */
import { startEmulator, type Emulator, type KnobsPatch } from "../../emulator";

export const BASE = "/api/private/lifecycle_management";

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export interface Api {
  emu: Emulator;
  call(method: string, path: string, body?: unknown, init?: { token?: string | null; raw?: string; signal?: AbortSignal }): Promise<Reply>;
  get(path: string): Promise<Reply>;
  post(path: string, body: unknown): Promise<Reply>;
  patch(path: string, body: unknown): Promise<Reply>;
  put(path: string, body: unknown): Promise<Reply>;
  del(path: string): Promise<Reply>;
}

export function apiFor(emu: Emulator): Api {
  const call: Api["call"] = async (method, path, body, init = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const token = init.token === undefined ? emu.token : init.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${emu.url}${BASE}/${path}`, {
      method,
      headers,
      body: init.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      signal: init.signal,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* keep text */
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  return {
    emu,
    call,
    get: (p) => call("GET", p),
    post: (p, b) => call("POST", p, b),
    patch: (p, b) => call("PATCH", p, b),
    put: (p, b) => call("PUT", p, b),
    del: (p) => call("DELETE", p),
  };
}

export async function start(knobs?: KnobsPatch, extra: { dataFile?: string; seed?: number } = {}): Promise<Api> {
  return apiFor(await startEmulator({ knobs, ...extra }));
}

/** Creates a type and returns its id (fails the test on a non-200). */
export async function mkType(api: Api, body: Record<string, unknown>): Promise<string> {
  const r = await api.post("access_profiles_types", body);
  if (r.status !== 200) throw new Error(`create type: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.value.id as string;
}

export async function mkProfile(api: Api, body: Record<string, unknown>): Promise<string> {
  const r = await api.post("access_profiles", body);
  if (r.status !== 200) throw new Error(`create profile: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.value.id as string;
}

export const sf = (id: string, ds = "sf-ds-1") => ({ entity_type: "SalesforceGroup", datasource_id: ds, entity_id: id });
