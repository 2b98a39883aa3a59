// Building the page without HTML strings: every text from the engine (a policy's reason, a
// parameter's name) goes in as text, so nothing an operator or a policy writes can become markup.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// A table of rows (arrays of cells); `onrow(i)` makes rows clickable.
export function table(headers, rows, { onrow, classes = [] } = {}) {
  const head = el("tr", {}, headers.map((h, i) => el("th", { class: classes[i] }, h)));
  const body = rows.map((cells, i) =>
    el("tr", { class: onrow ? "clickable" : undefined, onclick: onrow ? () => onrow(i) : undefined },
       cells.map((c, j) => el("td", { class: classes[j] }, c))));
  return el("div", { class: "scroll" },
            el("table", {}, el("thead", {}, head), el("tbody", {}, body.length ? body :
               el("tr", {}, el("td", { colspan: headers.length, class: "muted" }, "none")))));
}

export function card(label, value, cls) {
  return el("div", { class: "card" }, el("div", { class: "label" }, label),
            el("div", { class: "value " + (cls || "") }, value));
}

export function show(main, ...children) {
  main.replaceChildren(...children.flat().filter((c) => c));
}

// A number as people read it: 1234.5 → "1234.5", 0.000123 → "0.000123", null → "–".
export function num(x) {
  if (x === null || x === undefined) return "–";
  if (typeof x !== "number") return String(x);
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

export function when(text) {
  if (!text) return "–";
  const d = new Date(text);
  return isNaN(d) ? String(text) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}
