const EMPTY = "–";

/**
 * The order of two cells' texts: numbers as numbers, else text in the reader's collation
 * (`2` before `10`, `a` before `B`); empty cells last whatever the direction.
 */
export function compareCellText(a: string, b: string, descending = false): number {
  const blank = (t: string): boolean => t === "" || t === EMPTY;
  if (blank(a) || blank(b)) return Number(blank(a)) - Number(blank(b));
  const [x, y] = [Number(a), Number(b)];
  const order = !Number.isNaN(x) && !Number.isNaN(y) ? x - y : a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  return descending ? -order : order;
}
