import type { AdminApi } from "../api.ts";
import { h } from "../dom.ts";

/** What a view gets: the Admin API, the path's parameters and the fragment's query. */
export interface ViewContext {
  api: AdminApi;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Shows another view (`#/services`). */
  go(hash: string): void;
  /** Shows an error an action met after the view rendered (the login form on 401). */
  fail(error: unknown): void;
  /** Runs `cleanup` when this view is replaced (a timer stopped, a form cleared). */
  onLeave(cleanup: () => void): void;
}

export type View = (ctx: ViewContext) => Promise<Node>;

/** A page's title bar with its actions. */
export function heading(title: string, ...actions: Node[]): HTMLElement {
  return h("div", { class: "heading" }, h("h1", {}, title), h("div", { class: "actions" }, actions));
}

export function link(hash: string, text: string, attributes: Record<string, string> = {}): HTMLAnchorElement {
  return h("a", { href: hash, ...attributes }, text);
}

/** An error above a form or list (what Kong did not tie to a field, a refused action). */
export function errorBanner(text: string): HTMLElement {
  return h("p", { class: "banner error", role: "alert" }, text);
}
