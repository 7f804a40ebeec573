import type { Json } from "./api.ts";
import { h } from "./dom.ts";
import { editable, entries, fieldErrors, widgetOf, type FieldEntry, type KongField } from "./schema.ts";

/** A form built from a Kong schema: read its value, show Kong's field errors at their fields. */
export interface SchemaForm {
  element: HTMLElement;
  /** The entity to send: empty inputs left out on create (Kong's defaults apply), cleared ones null on edit. */
  read(): Json;
  /** Shows each error at its field; returns the messages no field took. */
  showErrors(fields: unknown): string[];
}

interface Control {
  path: string;
  read(): unknown;
  error: HTMLElement;
}

const idOf = (path: string): string => `field-${path.replace(/[^a-zA-Z0-9_-]/g, "-")}`;

function lines(text: string, numeric: boolean): unknown[] {
  const items = text.split("\n").map((s) => s.trim()).filter(Boolean);
  return numeric ? items.map(Number) : items;
}

/** An input for one field (not a record), and how to read it back. */
function input(path: string, field: KongField, current: unknown): { element: HTMLElement; read: () => unknown } {
  const id = idOf(path);
  const value = current ?? field.default;
  switch (widgetOf(field)) {
    case "checkbox": {
      const box = h("input", { type: "checkbox", id, name: path, checked: value === true });
      return { element: box, read: () => box.checked };
    }
    case "tristate": {
      const select = h("select", { id, name: path }, ["", "true", "false"].map((o) => h("option", { value: o, selected: String(value ?? "") === o }, o || "—")));
      return { element: select, read: () => (select.value === "" ? undefined : select.value === "true") };
    }
    case "number": {
      const box = h("input", { type: "number", id, name: path, step: field.type === "integer" ? "1" : "any", value: value === undefined || value === null ? undefined : String(value) });
      return { element: box, read: () => (box.value === "" ? undefined : Number(box.value)) };
    }
    case "select": {
      const select = h("select", { id, name: path }, h("option", { value: "" }, "—"), (field.one_of ?? []).map((o) => h("option", { value: String(o), selected: o === value }, String(o))));
      return { element: select, read: () => (select.value === "" ? undefined : select.value) };
    }
    case "choices": {
      const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
      const boxes = (field.elements?.one_of ?? []).map((o) => h("input", { type: "checkbox", name: path, value: String(o), checked: chosen.has(String(o)) }));
      const element = h("div", { class: "choices", id }, boxes.map((box) => h("label", { class: "choice" }, box, box.value)));
      return { element, read: () => boxes.filter((b) => b.checked).map((b) => b.value) };
    }
    case "lines": {
      const numeric = field.elements?.type !== "string";
      const area = h("textarea", { id, name: path, rows: "3", placeholder: "one per line" });
      area.value = Array.isArray(value) ? value.join("\n") : "";
      return { element: area, read: () => (area.value.trim() === "" ? undefined : lines(area.value, numeric)) };
    }
    case "foreign": {
      const box = h("input", { type: "text", id, name: path, placeholder: `${field.reference ?? "entity"} id` });
      box.value = typeof value === "object" && value !== null ? String((value as Json)["id"] ?? "") : "";
      return { element: box, read: () => (box.value.trim() === "" ? undefined : { id: box.value.trim() }) };
    }
    case "multiline": {
      // Credentials are pasted here: no spell-check service or autofill history sees them.
      const area = h("textarea", { id, name: path, rows: "4", spellcheck: "false", autocomplete: "off" });
      area.value = typeof value === "string" ? value : "";
      return { element: area, read: () => (area.value.trim() === "" ? undefined : area.value.trim()) };
    }
    case "json": {
      const area = h("textarea", { id, name: path, rows: "3", placeholder: "JSON" });
      area.value = value === undefined || value === null ? "" : JSON.stringify(value, null, 2);
      return {
        element: area,
        read: () => {
          if (area.value.trim() === "") return undefined;
          try {
            return JSON.parse(area.value) as unknown;
          } catch {
            return area.value; // Kong names the field in its answer
          }
        },
      };
    }
    default: {
      const box = h("input", { type: "text", id, name: path, value: typeof value === "string" ? value : undefined });
      return { element: box, read: () => (box.value === "" ? undefined : box.value) };
    }
  }
}

/**
 * The form for `fields`: `current` fills it (edit), `omit` leaves fields out (set by the page,
 * such as a route's service when it is made under one).
 */
export function schemaForm(fields: FieldEntry[], current: Json | undefined, omit: readonly string[] = []): SchemaForm {
  const controls: Control[] = [];
  const editing = current !== undefined;

  const build = (list: FieldEntry[], prefix: string, values: Json | undefined): { element: HTMLElement; read: () => Json } => {
    const parts: HTMLElement[] = [];
    const readers: [string, () => unknown][] = [];
    for (const [name, field] of entries(list)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (!editable(field) || omit.includes(path)) continue;
      const value = values?.[name];
      if (field.type === "record" && field.fields) {
        const inner = build(field.fields, path, (value ?? undefined) as Json | undefined);
        const error = h("p", { class: "field-error", "data-error-for": path });
        parts.push(h("fieldset", { class: "record", "data-field": path }, h("legend", {}, name), error, inner.element));
        // An optional record that is unset stays unset unless something in it is changed:
        // its inner defaults alone would create it (and trip its own required fields).
        const untouched = JSON.stringify(inner.read());
        const unset = !field.required && (value === undefined || value === null);
        const readRecord = (): unknown => (unset && JSON.stringify(inner.read()) === untouched ? undefined : inner.read());
        controls.push({ path, read: readRecord, error });
        readers.push([name, readRecord]);
        continue;
      }
      const { element, read } = input(path, field, value);
      const error = h("p", { class: "field-error", "data-error-for": path });
      const label = h("label", { for: idOf(path) }, name, field.required ? h("span", { class: "required", title: "required" }, " *") : null);
      parts.push(h("div", { class: "field", "data-field": path }, label, element, field.description ? h("p", { class: "hint" }, field.description) : null, error));
      const had = value !== undefined && value !== null;
      const readValue = (): unknown => {
        const v = read();
        return v === undefined && editing && had ? null : v;
      };
      controls.push({ path, read: readValue, error });
      readers.push([name, readValue]);
    }
    const read = (): Json => {
      const out: Json = {};
      for (const [name, r] of readers) {
        const v = r();
        if (v !== undefined) out[name] = v;
      }
      return out;
    };
    return { element: h("div", { class: "fields" }, parts), read };
  };

  const root = build(fields, "", current);
  return {
    element: root.element,
    read: root.read,
    showErrors(errors) {
      for (const control of controls) {
        control.error.textContent = "";
        control.error.closest(".field, fieldset")?.classList.remove("invalid");
      }
      const left: string[] = [];
      for (const [path, message] of fieldErrors(errors)) {
        const control = controls.find((c) => c.path === path);
        if (!control) {
          left.push(`${path}: ${message}`);
          continue;
        }
        control.error.textContent = message;
        control.error.closest(".field, fieldset")?.classList.add("invalid");
      }
      return left;
    },
  };
}
