/** Tether's own version, and the `Server`/`Via` token built from it. */
export const TETHER_VERSION = "0.1.0";
export const SERVER_TOKEN = `tether/${TETHER_VERSION}`;

/**
 * The Kong version `GET /` reports as `version` (and `kong_node_info` as its `version` label).
 * Kong's tooling reads it to choose behaviour: decK parses it as semver and, from 3.0, writes and
 * requires `_format_version: "3.0"` and checks 3.x route paths; from 3.4 it uses consumer-group
 * scoped plugins. Tether speaks the 3.x Admin API, so it answers as a 3.x release; its own
 * version is `tether_version`.
 */
export const KONG_COMPATIBLE_VERSION = "3.9.0";
