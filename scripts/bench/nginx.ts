// nginx for the benchmark: a trivial upstream (`return 200`) and a TLS reverse proxy in front of
// it that asks for (but does not verify) client certificates, with upstream keep-alive. Optionally
// a second TLS reverse proxy for the handshake scenarios (handshake.ts): TLS 1.2 and 1.3 (nginx
// 1.22 offers no TLS 1.3 by default) and session resumption on: tickets, as Tether issues them,
// and the shared session cache nginx deployments configure beside them.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Nginx {
  upstreamPort: number;
  tlsPort: number;
  /** Present when asked for: the TLS proxy with resumption, for handshakes. */
  handshakePort?: number;
  /** Present when asked for: the TLS proxy offering h2 (ALPN), for the HTTP/2 scenarios. */
  h2Port?: number;
  /** The master process (its worker is a child), for CPU accounting. */
  pid: number;
  stop(): Promise<void>;
}

export function nginxAvailable(): boolean {
  return spawnSync("nginx", ["-v"], { stdio: "ignore" }).status === 0;
}

/** A TLS server proxying everything to the upstream, asking for any client certificate. */
function tlsProxy(port: number, cert: string, key: string, extra: string[] = [], h2 = false): string {
  return `  server {
    listen 127.0.0.1:${port} ssl${h2 ? " http2" : ""};
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    ssl_verify_client optional_no_ca;
${extra.map((line) => `    ${line}\n`).join("")}    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
`;
}

export async function startNginx(opts: { dir: string; workers: number; cert: string; key: string; upstreamPort: number; tlsPort: number; handshakePort?: number; h2Port?: number }): Promise<Nginx> {
  mkdirSync(opts.dir, { recursive: true });
  const conf = join(opts.dir, "nginx.conf");
  const resuming = ["ssl_protocols TLSv1.2 TLSv1.3;", "ssl_session_cache shared:SSL:10m;", "ssl_session_tickets on;", "ssl_session_timeout 1d;"];
  writeFileSync(
    conf,
    `worker_processes ${opts.workers};
daemon off;
pid ${opts.dir}/nginx.pid;
error_log ${opts.dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${opts.dir}/body;
  proxy_temp_path ${opts.dir}/proxy;
  fastcgi_temp_path ${opts.dir}/fastcgi;
  uwsgi_temp_path ${opts.dir}/uwsgi;
  scgi_temp_path ${opts.dir}/scgi;
  keepalive_requests 100000000;
  upstream up { server 127.0.0.1:${opts.upstreamPort}; keepalive 512; }
  server {
    listen 127.0.0.1:${opts.upstreamPort};
    # Two more loopback addresses: distinct targets of one upstream (scenario 19).
    listen 127.0.0.2:${opts.upstreamPort};
    listen 127.0.0.3:${opts.upstreamPort};
    location / { return 200 "ok\\n"; }
  }
${tlsProxy(opts.tlsPort, opts.cert, opts.key)}${opts.handshakePort ? tlsProxy(opts.handshakePort, opts.cert, opts.key, resuming) : ""}${opts.h2Port ? tlsProxy(opts.h2Port, opts.cert, opts.key, ["ssl_protocols TLSv1.2 TLSv1.3;"], true) : ""}}
`,
  );
  const child: ChildProcess = spawn("nginx", ["-p", opts.dir, "-c", conf], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}); see ${opts.dir}/error.log`);
  return {
    upstreamPort: opts.upstreamPort,
    tlsPort: opts.tlsPort,
    ...(opts.handshakePort ? { handshakePort: opts.handshakePort } : {}),
    ...(opts.h2Port ? { h2Port: opts.h2Port } : {}),
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGQUIT");
      }),
  };
}
