import type Koa from "koa";

/**
 * The origins `admin_gui_url` allows (Kong's internal `admin_gui_origin`, kong/conf_loader/init.lua):
 * each URL cut to `scheme://authority`, since the GUI may live under a path. Kong's property is a
 * comma-separated list; the configuration may carry it as that text or as an array.
 */
export function adminGuiOrigins(value: unknown): string[] {
  const urls = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : [];
  return urls.flatMap((url): string[] => {
    if (typeof url !== "string" || !url.trim()) return [];
    try {
      const { protocol, host } = new URL(url.trim());
      return [`${protocol}//${host}`];
    } catch {
      return [];
    }
  });
}

export interface CorsAnswer {
  origin: string;
  credentials: boolean;
}

/**
 * Kong's `cors_filter` (kong/api/api_helpers.lua): with `admin_gui_url` set, the request's Origin
 * when it is one of the GUI's origins, else the first of them; without it, the request's Origin.
 * Kong also answers `*` with `Allow-Credentials: true` when there is no Origin; browsers refuse
 * that pair, so Tether sends `*` without credentials there (only non-browser clients see it).
 */
export function corsAnswer(requestOrigin: string | undefined, allowed: readonly string[]): CorsAnswer {
  const [first] = allowed;
  if (first !== undefined) return { origin: requestOrigin !== undefined && allowed.includes(requestOrigin) ? requestOrigin : first, credentials: true };
  if (requestOrigin !== undefined) return { origin: requestOrigin, credentials: true };
  return { origin: "*", credentials: false };
}

/** The CORS headers on every Admin API answer, errors and refused tokens included (mounted outermost). */
export function corsMiddleware(allowedOrigins: readonly string[]): Koa.Middleware {
  return (ctx, next) => {
    const { origin, credentials } = corsAnswer(ctx.get("origin") || undefined, allowedOrigins);
    ctx.set("Access-Control-Allow-Origin", origin);
    if (credentials) ctx.set("Access-Control-Allow-Credentials", "true");
    // The answer depends on Origin: a cache must not hand one origin's answer to another.
    ctx.vary("Origin");
    return next();
  };
}
