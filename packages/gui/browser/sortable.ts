import { compareCellText } from "./cell-order.ts";
import { h } from "./dom.ts";

/**
 * Lets a table's columns be sorted by clicking their header (again: the other way). It sorts the
 * rows it has, the current page only: Kong's Admin API pages in its own order.
 */
export function makeSortable(table: HTMLTableElement): void {
  const body = table.tBodies[0];
  if (!body) return;
  const headers = [...table.querySelectorAll<HTMLTableCellElement>("thead th")];
  headers.forEach((th, column) => {
    const label = th.textContent ?? "";
    if (!label) return;
    const toggle = h("button", { type: "button", class: "sort", title: `Sort by ${label}` }, label);
    th.replaceChildren(toggle);
    toggle.addEventListener("click", () => {
      const descending = th.getAttribute("aria-sort") === "ascending";
      for (const other of headers) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const text = (row: HTMLTableRowElement): string => row.cells[column]?.textContent?.trim() ?? "";
      body.append(...[...body.rows].sort((a, b) => compareCellText(text(a), text(b), descending)));
    });
  });
}
