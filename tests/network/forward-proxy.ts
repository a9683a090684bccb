/**
 * A loopback forward proxy for tests (127.0.0.1, port 0): plain HTTP forwarding (absolute-form
 * requests) and CONNECT tunnels, optional Basic credentials (407 otherwise), and a host map so a
 * name that does not resolve (e.g. `veza.test`) is reachable only through the proxy. It counts what
 * it carried and every TCP connection it accepted.
 */
import * as http from "node:http";
import * as net from "node:net";

export interface Carried {
  kind: "forward" | "connect";
  method: string;
  /** host:port asked for (before the host map). */
  target: string;
  path?: string;
  userAgent?: string;
  /** 407 sent instead of carrying it. */
  refused?: boolean;
}

export interface ForwardProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Every request or tunnel asked for, in order (refused ones included, with refused: true). */
  carried: Carried[];
  /** TCP connections accepted. */
  connections(): number;
  /** Carried (not refused) requests or tunnels whose target is host:port. */
  to(target: string, kind?: Carried["kind"]): Carried[];
  close(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** "user:password" the proxy demands (Basic); without it, no credentials are asked. */
  auth?: string;
  /** Host name → address the proxy connects to instead (names that do not resolve elsewhere). */
  hosts?: Record<string, string>;
}

export async function startForwardProxy(o: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const carried: Carried[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const expected = o.auth ? `Basic ${Buffer.from(o.auth).toString("base64")}` : undefined;
  const authorized = (req: http.IncomingMessage): boolean => !expected || req.headers["proxy-authorization"] === expected;
  const mapHost = (host: string): string => o.hosts?.[host.toLowerCase()] ?? host;

  const server = http.createServer((req, res) => {
    const target = new URL(req.url ?? "/", "http://invalid.invalid");
    const entry: Carried = {
      kind: "forward",
      method: req.method ?? "GET",
      target: target.host,
      path: target.pathname,
      userAgent: req.headers["user-agent"],
    };
    carried.push(entry);
    if (!authorized(req)) {
      entry.refused = true;
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"', "content-length": "0" });
      res.end();
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = http.request(
      {
        host: mapHost(target.hostname),
        port: Number(target.port) || 80,
        method: req.method,
        path: target.pathname + target.search,
        headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-length": "0" });
      res.end();
    });
    req.pipe(upstream);
  });

  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const [host, port] = splitHostPort(req.url ?? "");
    const entry: Carried = { kind: "connect", method: "CONNECT", target: req.url ?? "" };
    carried.push(entry);
    client.on("error", () => undefined);
    if (!authorized(req)) {
      entry.refused = true;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect(port, mapHost(host), () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
  });

  server.on("connection", (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    carried,
    connections: () => connections,
    to: (target, kind) => carried.filter((c) => !c.refused && c.target === target && (!kind || c.kind === kind)),
    close: async () => {
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await done;
    },
  };
}

function splitHostPort(hostPort: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hostPort);
  return m ? [m[1]!, Number(m[2])] : [hostPort, 443];
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
