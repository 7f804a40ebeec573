/** An Admin API entity or answer, as parsed JSON. */
export type Json = Record<string, unknown>;
