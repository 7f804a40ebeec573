/** Where the Admin API listens, as the GUI server knows it after start-up. */
export interface AdminEndpoint {
  port: number;
  ssl: boolean;
}

/**
 * The Admin API's URL for the browser: Kong's `admin_gui_api_url` when set, else the host the
 * browser reached the GUI on with the Admin API's first port (so a GUI opened on 127.0.0.1 or a
 * tunnelled name reaches the Admin API the same way); none when the Admin API is off.
 */
export function adminApiUrl(configured: string | undefined, requestHost: string, admin: AdminEndpoint | undefined): string | undefined {
  if (configured) return configured.replace(/\/+$/, "");
  if (!admin) return undefined;
  // Host is `name[:port]` or `[v6][:port]`: keep the name, drop the GUI's port.
  const hostname = /^(\[[^\]]+\]|[^:]+)/.exec(requestHost)?.[1] ?? "127.0.0.1";
  return `${admin.ssl ? "https" : "http"}://${hostname}:${admin.port}`;
}
