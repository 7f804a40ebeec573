import type { IncomingMessage, ServerResponse } from "node:http";
import { UNEXPECTED_ERROR_MESSAGE, type Logger } from "@tether/core";

/**
 * The last line of defence of the request path: an exception that escapes it (a bug, never a
 * client's doing) is logged and answered with Kong's 500, instead of becoming an unhandled
 * rejection that would take every other connection down with the process.
 */
export function guardHandler(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  log: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handler(req, res).catch((error: unknown) => {
      log.error("request failed unexpectedly", { method: req.method, error: String((error as Error)?.stack ?? error) });
      if (res.headersSent) return void res.destroy();
      const body = JSON.stringify({ message: UNEXPECTED_ERROR_MESSAGE });
      res.writeHead(500, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    });
  };
}
