/** Tether's own version, and the `Server`/`Via` token built from it. */
export const TETHER_VERSION = "0.1.0";
export const SERVER_TOKEN = `tether/${TETHER_VERSION}`;
