/** What the GUI server answers at /config.json and the app fetches first (no inline script carries it). */
export interface GuiConfig {
  /** Where the browser reaches the Admin API; null when admin_listen is off. */
  adminApiUrl: string | null;
  version: string;
}
