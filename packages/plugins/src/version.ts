export const TETHER_VERSION = "0.1.0";
