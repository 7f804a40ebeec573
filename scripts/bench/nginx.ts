// nginx for the benchmark: a trivial upstream (`return 200`) and a TLS reverse proxy in front of
// it that asks for (but does not verify) client certificates, with upstream keep-alive.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Nginx {
  upstreamPort: number;
  tlsPort: number;
  stop(): Promise<void>;
}

export function nginxAvailable(): boolean {
  return spawnSync("nginx", ["-v"], { stdio: "ignore" }).status === 0;
}

export async function startNginx(opts: { dir: string; workers: number; cert: string; key: string; upstreamPort: number; tlsPort: number }): Promise<Nginx> {
  mkdirSync(opts.dir, { recursive: true });
  const conf = join(opts.dir, "nginx.conf");
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
    location / { return 200 "ok\\n"; }
  }
  server {
    listen 127.0.0.1:${opts.tlsPort} ssl;
    ssl_certificate ${opts.cert};
    ssl_certificate_key ${opts.key};
    ssl_verify_client optional_no_ca;
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn("nginx", ["-p", opts.dir, "-c", conf], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}); see ${opts.dir}/error.log`);
  return {
    upstreamPort: opts.upstreamPort,
    tlsPort: opts.tlsPort,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGQUIT");
      }),
  };
}
