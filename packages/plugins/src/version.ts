export { TETHER_VERSION } from "@tether/core";
