// Small DOM helpers: elements from data (text only, never HTML strings), swatches, downloads, messages.
import { ApiError, KeyRefusedError, fileName, request } from "./api.js";

// h("a", { href: "#/films", class: "x" }, "text", child): properties set as attributes, `on*` as listeners.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "background") element.style.backgroundColor = value;
    else if (name === "color") element.style.color = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

// Replace what `container` shows (absent parts left out).
export function show(container, ...children) {
  container.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}

// Black or white, whichever reads better on `hex` (WCAG relative luminance).
export function readableOn(hex) {
  const channel = (offset) => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.179 ? "#000000" : "#ffffff";
}

// A row of colours, each as wide as its share (an equal share when none is given).
export function strip(colors, label) {
  const row = h("div", { class: "strip", role: "img", "aria-label": label });
  for (const color of colors) {
    const hex = typeof color === "string" ? color : color.hex;
    const share = typeof color === "string" ? 1 : Math.max(color.proportion, 0.02);
    const cell = h("span", { background: hex, title: hex });
    cell.style.flexGrow = String(share);
    row.append(cell);
  }
  return row;
}

export const percent = (share) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

export function when(timestamp) {
  const date = new Date(timestamp);
  return h("time", { datetime: timestamp }, Number.isNaN(date.getTime()) ? timestamp : date.toLocaleString());
}

export function message(text, kind = "info") {
  return h("p", { class: `message ${kind}`, role: kind === "problem" ? "alert" : "status" }, text);
}

// What a failed call shows: the key form for a refused key, else the API's own message.
export function problem(error, onKeyRefused) {
  if (error instanceof KeyRefusedError) {
    onKeyRefused(error.message);
    return message(error.message, "problem");
  }
  if (error instanceof ApiError) return message(error.message, "problem");
  return message(`Something went wrong: ${error.message}`, "problem");
}

// Save a blob under `name` (a temporary link with `download`).
export function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

const EXTENSIONS = { json: "json", css: "css", gpl: "gpl", ase: "ase", text: "txt" };
export const exportFormats = () => document.body.dataset.exports.split(",");

// One button per export format of the palette at `path` (`?format=`), each saving the download.
export function exportButtons(path, stem, onError) {
  const buttons = exportFormats().map((format) =>
    h(
      "button",
      {
        type: "button",
        "data-format": format,
        onclick: async () => {
          try {
            const { blob, disposition } = await request(path, { query: { format }, as: "blob" });
            save(blob, fileName(disposition, `${stem}.${EXTENSIONS[format] || format}`));
          } catch (error) {
            onError(error);
          }
        },
      },
      `Download ${format.toUpperCase()}`,
    ),
  );
  return h("div", { class: "exports", role: "group", "aria-label": "Exports" }, buttons);
}

// A blob: URL of an image the API serves behind the key (barcodes), for an <img>.
export async function imageUrl(path, query = {}) {
  const { blob } = await request(path, { query, as: "blob" });
  return URL.createObjectURL(blob);
}
