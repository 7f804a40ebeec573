import type { AuthOutcome, LogEntry, Logger } from "@tether/core";
import { fileAppender } from "@tether/plugins";
import type { RequestObserver } from "./request-log.ts";

/**
 * One line of the access log (`proxy_access_log`): who asked for what, which route and service
 * took it, who the consumer was, how it ended and how long it took, and how the authentication
 * plugin decided the certificate binding. Built from the serialized entry, whose URI is already
 * redacted; the credentials themselves (tokens, cookies, secrets) are never part of it.
 */
export function accessLogRecord(entry: LogEntry, auth: AuthOutcome | undefined): Record<string, unknown> {
  const { route, service, consumer } = entry;
  return {
    time: new Date(entry.started_at).toISOString(),
    msg: "access",
    request_id: entry.request.id,
    client_ip: entry.client_ip,
    method: entry.request.method,
    uri: entry.request.uri,
    status: entry.response.status,
    source: entry.source,
    route: route ? { id: route.id, name: route.name } : null,
    service: service ? { id: service.id, name: service.name } : null,
    consumer: consumer ? { id: consumer.id, username: consumer.username, custom_id: consumer.custom_id } : null,
    latencies: entry.latencies,
    auth: auth ? { plugin: auth.plugin, binding: auth.binding ?? null, refused: auth.refused ?? null } : null,
  };
}

/**
 * The access log as a request observer: `stdout` (beside the node's own JSON lines), or a file
 * appended to in the background (the file-log writer: ordered, bounded, never in the request's
 * way); `off` is no observer at all.
 */
export function accessLogObserver(target: string, log: Logger): RequestObserver | undefined {
  if (target === "off") return undefined;
  if (target === "stdout") return (entry, auth) => void process.stdout.write(`${JSON.stringify(accessLogRecord(entry, auth))}\n`);
  const appender = fileAppender(target, { reopen: false, log, name: "proxy_access_log" });
  return (entry, auth) => appender.write(`${JSON.stringify(accessLogRecord(entry, auth))}\n`);
}
