// Uploads: presigned POSTs from POST /uploads, one XHR per file (for its progress bar), then polling of each
// still until it is DONE (its palette) or FAILED (its reason).
import { ApiError, request } from "./api.js";
import { filmHash, stillHash } from "./browse.js";
import { h, message, show, strip } from "./ui.js";

const POLL_FIRST_MS = 500;
const POLL_MAX_MS = 4000;
const POLL_GIVE_UP_MS = 5 * 60 * 1000;

function s3Message(xhr) {
  const found = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || "");
  return found ? found[1] : `${xhr.status} ${xhr.statusText}`;
}

// POST the form S3 expects: the grant's fields, then Content-Type, then the file (last, as S3 requires).
function post(upload, file, progress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append("Content-Type", file.type);
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        progress.value = 100;
        resolve();
      } else reject(new Error(`the bucket refused the upload: ${s3Message(xhr)}`));
    });
    xhr.addEventListener("error", () => reject(new Error("the upload could not reach the bucket")));
    xhr.send(form);
  });
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The palette document once DONE; throws the FAILED reason (422); waits while there is none yet (404).
async function outcome(path) {
  const started = Date.now();
  for (let wait = POLL_FIRST_MS; Date.now() - started < POLL_GIVE_UP_MS; wait = Math.min(wait * 2, POLL_MAX_MS)) {
    try {
      return await request(path);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
    }
    await pause(wait);
  }
  throw new Error("no palette after 5 minutes; look at the film page later");
}

function fileRow(name) {
  const progress = h("progress", { max: 100, value: 0, "aria-label": `Upload of ${name}` });
  const status = h("p", { class: "upload-status" }, "Waiting");
  const row = h("li", { class: "upload-item" }, h("span", { class: "name" }, name), progress, status);
  return { row, progress, status };
}

async function uploadOne(upload, file, item, ctx) {
  try {
    item.status.textContent = "Uploading";
    await post(upload, file, item.progress);
    item.status.textContent = "Uploaded: extracting its palette";
    const document = await outcome(upload.links.self);
    item.row.classList.add("done");
    item.status.replaceChildren(h("span", { class: "status done" }, "DONE"), " ", h("a", { href: stillHash(upload.film, upload.name) }, "Open"));
    item.row.append(strip(document.colors, `Palette of ${upload.name}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return ctx.fail(error);
    item.row.classList.add("failed");
    item.status.replaceChildren(h("span", { class: "status failed" }, "FAILED"), " ", h("span", { class: "reason" }, error.message));
  }
}

export async function uploadPage(view, params, ctx) {
  const form = document.getElementById("upload-form-template").content.firstElementChild.cloneNode(true);
  show(view, form);
  const film = form.querySelector("#upload-film");
  film.value = params.get("film") || "";
  const input = form.querySelector("#upload-files");
  const zone = form.querySelector("#dropzone");
  const chosen = form.querySelector("#chosen");
  const list = form.querySelector("#upload-list");
  let files = [];
  const choose = (picked) => {
    files = [...picked];
    chosen.textContent = files.length ? `${files.length} chosen: ${files.map((file) => file.name).join(", ")}` : "No still chosen.";
  };
  input.addEventListener("change", () => choose(input.files));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    choose(event.dataTransfer.files);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    start(form, film.value.trim(), files, list, ctx).catch(ctx.fail);
  });
  request("/films", { query: { limit: 100 } })
    .then((page) => form.querySelector("#film-names").replaceChildren(...page.items.map((item) => h("option", { value: item.film }))))
    .catch(ctx.fail);
}

async function start(form, film, files, list, ctx) {
  const images = files.filter((file) => file.type.startsWith("image/"));
  list.replaceChildren(
    ...files.filter((file) => !images.includes(file)).map((file) =>
      h("li", { class: "upload-item failed" }, h("span", { class: "name" }, file.name), h("span", { class: "status failed" }, "NOT SENT"), ` not an image file (${file.type || "unknown type"})`)),
  );
  if (!images.length) {
    list.append(message("Choose at least one image to upload.", "problem"));
    return;
  }
  const body = {
    film,
    files: images.map((file) => file.name),
    k: Number(form.querySelector("#upload-k").value),
    method: form.querySelector("#upload-method").value,
    space: form.querySelector("#upload-space").value,
    accents: form.querySelector("#upload-accents").checked,
  };
  let page;
  try {
    page = await request("/uploads", { method: "POST", json: body });
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) {
      list.append(message(error.message, "problem"));
      return;
    }
    throw error;
  }
  const items = page.uploads.map((upload) => fileRow(upload.name));
  list.append(...items.map((item) => item.row));
  await Promise.all(page.uploads.map((upload, index) => uploadOne(upload, images[index], items[index], ctx)));
  list.append(h("li", {}, h("a", { href: filmHash(film) }, `Open ${film}`)));
}
