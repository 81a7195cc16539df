// The films grid and a film's page: its barcode (one stripe per DONE still), palette, stills and exports.
import { fill, request } from "./api.js";
import { paletteList, rolesList } from "./palette.js";
import { exportButtons, h, imageUrl, message, show, strip, when } from "./ui.js";

const FILMS_PER_PAGE = 12;
const STILLS_PER_PAGE = 48;

export const filmHash = (film) => `#/film/${encodeURIComponent(film)}`;
export const stillHash = (film, name) => `#/still/${encodeURIComponent(film)}/${encodeURIComponent(name)}`;

function counts(stills) {
  return `${stills.done} done · ${stills.failed} failed · ${stills.processing} processing`;
}

function pager(base, nextCursor, hasPrevious) {
  const links = [];
  if (hasPrevious) links.push(h("a", { href: base }, "First page"));
  if (nextCursor) links.push(h("a", { href: `${base}?cursor=${encodeURIComponent(nextCursor)}` }, "Next page"));
  return links.length ? h("nav", { class: "pager", "aria-label": "Pages of results" }, links) : null;
}

function filmCard(film, ctx) {
  const barcode = h("img", { class: "barcode-thumb", alt: `Colour timeline of ${film.film}`, hidden: true });
  if (film.links.barcode) {
    imageUrl(film.links.barcode, { width: 320, height: 48 })
      .then((url) => {
        barcode.src = url;
        barcode.hidden = false;
      })
      .catch(ctx.fail);
  }
  return h(
    "li",
    { class: "card" },
    h("h2", {}, h("a", { href: filmHash(film.film) }, film.film)),
    film.colors ? strip(film.colors, `Palette of ${film.film}`) : h("p", { class: "meta" }, "No palette yet"),
    barcode,
    h("p", { class: "meta" }, counts(film.stills)),
    h("p", { class: "meta" }, "Last change ", when(film.updated_at)),
  );
}

export async function filmsPage(view, params, ctx) {
  const page = await request("/films", { query: { limit: FILMS_PER_PAGE, cursor: params.get("cursor") } });
  show(view, 
    h("h1", {}, "Films"),
    h("p", { class: "meta" }, "Newest change first."),
    page.items.length
      ? h("ul", { class: "grid films" }, page.items.map((film) => filmCard(film, ctx)))
      : message("No film yet: upload stills to start one."),
    pager("#/films", page.next_cursor, params.has("cursor")),
  );
}

// The barcode: one focusable stripe per DONE still in film order; hover or focus shows the still.
function barcode(film, timeline, ctx) {
  const preview = h("figure", { class: "stripe-preview", "aria-live": "polite" }, h("figcaption", {}, "Hover or focus a stripe to see its still."));
  const show = async (still, index) => {
    const caption = h("figcaption", {}, `${index + 1} of ${timeline.stills.length}: ${still.name}`);
    const image = h("img", { alt: `Still ${still.name}` });
    preview.replaceChildren(image, caption, strip(still.colors, `Palette of ${still.name}`));
    try {
      const link = await request(`${still.links.self}/image`);
      image.src = link.url;
    } catch (error) {
      ctx.fail(error);
    }
  };
  const stripes = timeline.stills.map((still, index) => {
    const stripe = h("a", {
      class: "stripe",
      href: stillHash(film, still.name),
      background: still.colors.length ? still.colors[0].hex : "#808080",
      "aria-label": `Still ${index + 1}: ${still.name}`,
      onmouseenter: () => show(still, index),
      onfocus: () => show(still, index),
    });
    return h("li", {}, stripe);
  });
  return h("section", { "aria-labelledby": "barcode-title" }, h("h2", { id: "barcode-title" }, "Colour timeline"), h("ol", { class: "barcode" }, stripes), preview);
}

function stillCard(still) {
  const status = still.status === "DONE" && still.processing_since ? "PROCESSING" : still.status;
  return h(
    "li",
    { class: `card still ${status.toLowerCase()}` },
    h("h3", {}, h("a", { href: stillHash(still.film, still.name) }, still.name)),
    h("p", { class: `status ${status.toLowerCase()}` }, status),
    still.colors ? strip(still.colors, `Palette of ${still.name}`) : null,
    still.reason ? h("p", { class: "reason" }, still.reason) : null,
    still.processing_since ? h("p", { class: "meta" }, "A newer upload is being processed since ", when(still.processing_since)) : null,
    h("p", { class: "meta" }, when(still.updated_at)),
  );
}

export async function filmPage(view, film, params, ctx) {
  const base = filmHash(film);
  const stillsQuery = { prefix: `${film}/`, limit: STILLS_PER_PAGE, cursor: params.get("cursor") };
  const [documentOrError, timeline, stills] = await Promise.all([
    request(fill("/films/{film}", { film })).catch((error) => error),
    request(fill("/films/{film}/timeline", { film })).catch(() => ({ stills: [] })),
    request("/palettes", { query: stillsQuery }),
  ]);
  const parts = [h("h1", {}, film)];
  if (documentOrError instanceof Error) {
    parts.push(message(documentOrError.message));
  } else {
    const document = documentOrError;
    parts.push(
      h("p", { class: "meta" }, counts(document.stills), " · last change ", when(document.updated_at)),
      barcode(film, timeline, ctx),
      h("section", { "aria-labelledby": "film-palette" },
        h("h2", { id: "film-palette" }, "Film palette"),
        paletteList(document.colors),
        rolesList(document.roles),
        exportButtons(fill("/films/{film}/palette", { film }), film, ctx.fail)),
    );
  }
  parts.push(
    h("section", { "aria-labelledby": "film-stills" },
      h("h2", { id: "film-stills" }, "Stills"),
      stills.items.length ? h("ul", { class: "grid stills" }, stills.items.map(stillCard)) : message("No still yet."),
      pager(base, stills.next_cursor, params.has("cursor"))),
    h("p", {}, h("a", { href: `#/upload?film=${encodeURIComponent(film)}` }, `Upload stills to ${film}`)),
  );
  show(view, ...parts);
}
