import type { PluginResponse } from "./definition.ts";

/** Kong's answer when something fails on its side, never the client's: no detail, cause in the log. */
export const UNEXPECTED_ERROR_MESSAGE = "An unexpected error occurred";

export const unexpectedErrorResponse: PluginResponse = { status: 500, body: { message: UNEXPECTED_ERROR_MESSAGE } };
