// A palette as people read it: each colour with its names, share, text colour and roles.
import { h, percent, readableOn } from "./ui.js";

const ROLE_LABELS = {
  dominant: "Dominant",
  vibrant: "Vibrant",
  light_vibrant: "Light vibrant",
  dark_vibrant: "Dark vibrant",
  muted: "Muted",
  light_muted: "Light muted",
  dark_muted: "Dark muted",
};

function chip(color) {
  const text = color.text ? color.text.hex : readableOn(color.hex);
  const title = color.text ? `text ${color.text.hex}, contrast ${color.text.contrast.toFixed(1)}:1` : "";
  return h("span", { class: "chip", background: color.hex, color: text, title }, "Aa");
}

function names(color) {
  const parts = [color.xkcd_name || color.name];
  if (color.xkcd_name && color.name !== color.xkcd_name) parts.push(`CSS ${color.name}`);
  if (color.basic) parts.push(color.basic);
  return parts.join(" · ");
}

export function paletteList(colors) {
  return h(
    "ol",
    { class: "palette" },
    colors.map((color) =>
      h(
        "li",
        {},
        chip(color),
        h("span", { class: "hex" }, color.hex),
        h("span", { class: "name" }, names(color)),
        h("span", { class: "share" }, percent(color.proportion), color.accent ? " · accent" : ""),
        color.text ? h("span", { class: "meta" }, `text ${color.text.hex} (${color.text.contrast.toFixed(1)}:1)`) : null,
      ),
    ),
  );
}

export function rolesList(roles) {
  if (!roles) return null;
  const entries = Object.entries(ROLE_LABELS).filter(([role]) => roles[role]);
  return h(
    "dl",
    { class: "roles" },
    entries.map(([role, label]) => {
      const color = roles[role];
      return h(
        "div",
        {},
        h("dt", {}, label),
        h("dd", {}, chip(color), ` ${color.hex} ${color.xkcd_name || color.name}`, color.in_palette ? "" : " (outside the palette)"),
      );
    }),
  );
}
