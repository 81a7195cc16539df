// A still's page (its image through a presigned GET, palette, roles, exports, "more like this") and the
// colour search; both show hits as cards naming the colours that matched.
import { ApiError, fill, request } from "./api.js";
import { stillHash } from "./browse.js";
import { paletteList, rolesList } from "./palette.js";
import { exportButtons, h, message, percent, show, strip } from "./ui.js";

const MAX_QUERY_COLORS = 5;

function matchText(match) {
  const parts = [`${match.hex} (${percent(match.proportion)} of the frame`];
  if (match.query_color !== null && match.query_color !== undefined) parts.push(`, query colour ${match.query_color + 1}`);
  if (match.delta_e !== null && match.delta_e !== undefined) parts.push(`, ΔE ${match.delta_e.toFixed(1)}`);
  return `${parts.join("")})`;
}

export function hitCards(hits) {
  if (!hits.length) return message("No still matches.");
  return h(
    "ol",
    { class: "grid hits" },
    hits.map((hit) =>
      h(
        "li",
        { class: "card hit" },
        h("h3", {}, h("a", { href: stillHash(hit.film, hit.name) }, `${hit.film} / ${hit.name}`)),
        h("p", { class: "meta" }, hit.score !== null ? `score ${hit.score.toFixed(3)}` : `distance ${hit.distance.toFixed(2)}`),
        h("p", {}, "Matched:"),
        h("ul", { class: "matches" }, hit.matches.map((match) => h("li", {}, h("span", { class: "dot", background: match.hex }), matchText(match)))),
      ),
    ),
  );
}

export async function stillPage(view, film, name, ctx) {
  const path = fill("/palettes/{film}/{still}", { film, still: name });
  const header = [h("p", { class: "crumbs" }, h("a", { href: `#/film/${encodeURIComponent(film)}` }, film)), h("h1", {}, name)];
  const image = h("img", { class: "still-image", alt: `Still ${name} of ${film}` });
  request(`${path}/image`).then((link) => (image.src = link.url)).catch(ctx.fail);
  let document;
  try {
    document = await request(path);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 403) throw error;
    const failed = error.status === 422 ? h("p", { class: "status failed" }, "FAILED") : null;
    show(view, ...header, failed, message(error.message, "problem"), image);
    return;
  }
  const similar = h("section", { "aria-labelledby": "similar-title" }, h("h2", { id: "similar-title" }, "More like this"));
  const more = h("button", {
    type: "button",
    onclick: async () => {
      more.disabled = true;
      try {
        const page = await request(`${path}/similar`);
        similar.append(hitCards(page.items.filter((hit) => !(hit.film === film && hit.name === name))));
      } catch (error) {
        more.disabled = false;
        ctx.fail(error);
      }
    },
  }, "Find stills like this");
  similar.append(more);
  show(view, 
    ...header,
    h("div", { class: "still-layout" },
      h("figure", {}, image, strip(document.colors, `Palette of ${name}`)),
      h("section", { "aria-labelledby": "palette-title" },
        h("h2", { id: "palette-title" }, "Palette"),
        paletteList(document.colors),
        rolesList(document.roles),
        document.coolors_url ? h("p", {}, h("a", { href: document.coolors_url, rel: "noopener noreferrer", target: "_blank" }, "Open in coolors")) : null,
        exportButtons(path, name.replace(/\.[^.]*$/, ""), ctx.fail))),
    similar,
  );
}

function colorRow(list, hex = "#c0392b", weight = 50) {
  const remove = () => {
    if (list.children.length > 1) row.remove();
    numberRows(list);
  };
  const row = h("li", { class: "query-color" },
    h("label", {}), h("input", { type: "color", value: hex, name: "color" }),
    h("label", {}), h("input", { type: "range", min: 1, max: 100, value: weight, name: "weight" }),
    h("button", { type: "button", class: "quiet", onclick: remove }));
  list.append(row);
  numberRows(list);
}

// Rows are numbered by their place, after every change, so ids stay unique and labels in order.
function numberRows(list) {
  [...list.children].forEach((row, place) => {
    const index = place + 1;
    const [colorLabel, color, weightLabel, weight, remove] = row.children;
    colorLabel.htmlFor = color.id = `color-${index}`;
    colorLabel.textContent = `Colour ${index}`;
    weightLabel.htmlFor = weight.id = `weight-${index}`;
    weightLabel.textContent = `Weight of colour ${index}`;
    remove.textContent = `Remove colour ${index}`;
  });
}

// The query string of the form: one colour, a weighted mix (percent shares of 100), or a class.
export function searchQuery(form) {
  const film = form.querySelector("#search-film").value.trim();
  const colorClass = form.querySelector("#search-class").value;
  if (colorClass) return { class: colorClass, film };
  const rows = [...form.querySelectorAll(".query-color")].map((row) => ({
    hex: row.querySelector("input[type=color]").value.slice(1),
    weight: Number(row.querySelector("input[type=range]").value),
  }));
  if (rows.length === 1) return { color: rows[0].hex, film };
  const total = rows.reduce((sum, row) => sum + row.weight, 0);
  const colors = rows.map((row) => `${row.hex}:${Math.max(1, Math.floor((100 * row.weight) / total))}`);
  return { colors: colors.join(","), film };
}

export function searchPage(view, params, ctx) {
  const list = h("ol", { class: "query-colors" });
  const results = h("section", { "aria-label": "Search results" });
  const classes = document.body.dataset.classes.split(",");
  const add = h("button", { type: "button", onclick: () => list.children.length < MAX_QUERY_COLORS && colorRow(list) }, "Add a colour");
  const form = h("form", { class: "panel search", onsubmit: async (event) => {
    event.preventDefault();
    results.replaceChildren(h("h2", { id: "results-title" }, "Results"), message("Searching…"));
    try {
      const page = await request("/search", { query: searchQuery(form) });
      results.replaceChildren(h("h2", { id: "results-title" }, "Results"), hitCards(page.items));
    } catch (error) {
      // Beside the results it replaces, not above the page: a new search replaces it in turn.
      results.replaceChildren(h("h2", { id: "results-title" }, "Results"), ctx.problem(error));
    }
  } },
    h("h1", {}, "Search by colour"),
    h("fieldset", {}, h("legend", {}, `Colours (up to ${MAX_QUERY_COLORS}) and their weights`), list, add),
    h("label", { for: "search-class" }, "Or a basic colour class (replaces the colours)"),
    h("select", { id: "search-class" }, h("option", { value: "" }, "none: search by the colours"), classes.map((term) => h("option", { value: term }, term))),
    h("label", { for: "search-film" }, "Only this film (optional)"),
    h("input", { id: "search-film", type: "text", value: params.get("film") || "" }),
    h("button", { type: "submit" }, "Search"));
  colorRow(list, params.get("color") ? `#${params.get("color")}` : "#c0392b");
  show(view, form, results);
}
