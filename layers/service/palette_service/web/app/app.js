// The app's entry: the API key (asked once per tab) and hash routing to the pages.
import { apiKey } from "./api.js";
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

// The one background failure shown: a new one replaces it, so messages never pile up.
let shownFailure = null;

const ctx = {
  // A failure in the background (an image, an export): shown above the page; a refused key asks again.
  fail(error) {
    const shown = ctx.problem(error);
    if (shownFailure?.isConnected) shownFailure.replaceWith(shown);
    else view.prepend(shown);
    shownFailure = shown;
  },
  // The words for a failure, to show where it happened (a refused key asks again).
  problem(error) {
    return problem(error, askForKey);
  },
};

const PAGES = [
  [/^#\/films$/, (target, params) => filmsPage(target, params, ctx)],
  [/^#\/film\/([^/]+)$/, (target, params, film) => filmPage(target, film, params, ctx)],
  [/^#\/still\/([^/]+)\/([^/]+)$/, (target, params, film, name) => stillPage(target, film, name, ctx)],
  [/^#\/search$/, (target, params) => searchPage(target, params, ctx)],
  [/^#\/upload$/, (target, params) => uploadPage(target, params, ctx)],
];

// Each navigation renders into its own element, shown only if no later navigation started meanwhile.
let navigation = 0;

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
  const token = ++navigation;
  const target = h("div", { class: "page" });
  view.setAttribute("aria-busy", "true");
  view.replaceChildren(h("p", { class: "message" }, "Loading…"));
  try {
    await page(target, params, ...match.slice(1).map(decodeURIComponent));
  } catch (error) {
    target.replaceChildren(problem(error, askForKey));
  }
  if (token !== navigation) return;
  view.replaceChildren(target);
  view.removeAttribute("aria-busy");
  // The new page's content next for a keyboard or screen reader user, unless the key is asked for again.
  if (keyForm.hidden) document.getElementById("main").focus({ preventScroll: true });
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
