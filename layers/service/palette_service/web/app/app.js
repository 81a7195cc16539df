// The app's entry: the API key (asked once per tab) and hash routing to the pages.
import { KeyRefusedError, apiKey } from "./api.js";
import { filmPage, filmsPage } from "./browse.js";
import { searchPage, stillPage } from "./still.js";
import { uploadPage } from "./upload.js";
import { h, problem } from "./ui.js";

const view = document.getElementById("view");
const keyForm = document.getElementById("key-form");
const keyInput = document.getElementById("api-key");
const keyProblem = document.getElementById("key-problem");

function askForKey(reason = "") {
  keyProblem.textContent = reason;
  keyForm.hidden = false;
  view.hidden = true;
  keyInput.focus();
}

const ctx = {
  // A failure in the background (an image, an export): shown above the page; a refused key asks again.
  fail(error) {
    view.prepend(problem(error, askForKey));
  },
};

const PAGES = [
  [/^#\/films$/, (params) => filmsPage(view, params, ctx)],
  [/^#\/film\/([^/]+)$/, (params, film) => filmPage(view, film, params, ctx)],
  [/^#\/still\/([^/]+)\/([^/]+)$/, (params, film, name) => stillPage(view, film, name, ctx)],
  [/^#\/search$/, (params) => searchPage(view, params, ctx)],
  [/^#\/upload$/, (params) => uploadPage(view, params, ctx)],
];

async function route() {
  if (!apiKey.get()) return askForKey();
  keyForm.hidden = true;
  view.hidden = false;
  const [path, query = ""] = (location.hash || "#/films").split("?");
  const params = new URLSearchParams(query);
  const found = PAGES.map(([pattern, page]) => [pattern.exec(path), page]).find(([match]) => match);
  if (!found) {
    location.hash = "#/films";
    return;
  }
  const [match, page] = found;
  view.setAttribute("aria-busy", "true");
  view.replaceChildren(h("p", { class: "message" }, "Loading…"));
  try {
    await page(params, ...match.slice(1).map(decodeURIComponent));
  } catch (error) {
    view.replaceChildren(problem(error, askForKey));
    if (error instanceof KeyRefusedError) return;
  } finally {
    view.removeAttribute("aria-busy");
  }
  document.getElementById("main").focus({ preventScroll: true });
}

keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  apiKey.set(keyInput.value.trim());
  keyInput.value = "";
  route();
});
document.getElementById("forget-key").addEventListener("click", () => {
  apiKey.forget();
  askForKey();
});
window.addEventListener("hashchange", route);
route();
