import type { AdminApi } from "../api.ts";
import { h } from "../dom.ts";
import { errorBanner, heading } from "./view.ts";

/**
 * The Admin API answered 401: ask for admin_token. It is kept in sessionStorage (this tab, until
 * it closes) and sent as `Authorization: Bearer <token>`; `retry` renders the page again.
 */
export function loginView(api: AdminApi, retry: () => void): HTMLElement {
  const token = h("input", { type: "password", id: "admin-token", name: "admin_token", autocomplete: "current-password", required: true });
  const refused = api.token ? errorBanner("The Admin API refused this token.") : null;
  const form = h(
    "form",
    { class: "login" },
    heading("Log in"),
    h("p", {}, "This Admin API requires its admin_token."),
    refused,
    h("div", { class: "field" }, h("label", { for: "admin-token" }, "Admin token"), token),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Log in")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    api.token = token.value;
    retry();
  });
  return form;
}
