// The API, called from the page's own origin with the key kept in sessionStorage (never the URL or
// localStorage): paths are the API's own (`/films/...`), relative to the stage the page is served from.

const KEY_ITEM = "palettes.apiKey";
// The page is served at <stage>/app: the API root is the folder above it.
export const apiRoot = new URL(".", document.baseURI);

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// The key was refused (API Gateway answers 403 before the function runs).
export class KeyRefusedError extends ApiError {}

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_ITEM),
  set: (key) => sessionStorage.setItem(KEY_ITEM, key),
  forget: () => sessionStorage.removeItem(KEY_ITEM),
};

export function apiUrl(path, query = {}) {
  const url = new URL(path.replace(/^\//, ""), apiRoot);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  return url;
}

// `/films/{film}` with each parameter percent-encoded as one path segment.
export function fill(route, params) {
  return route.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(params[name]));
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.status === 403 && body && body.message === "Forbidden") {
    return new KeyRefusedError(403, "The API key was refused: check it and enter it again.", body);
  }
  const message = (body && (body.reason || body.message)) || `${response.status} ${response.statusText}`;
  return new ApiError(response.status, message, body);
}

// JSON (default) or a Blob (`as: "blob"`); an ApiError for any answer but 2xx.
export async function request(path, { query = {}, method = "GET", json, as = "json" } = {}) {
  const key = apiKey.get();
  if (!key) throw new KeyRefusedError(403, "Enter the API key first.", null);
  const headers = { "x-api-key": key, Accept: as === "json" ? "application/json" : "*/*" };
  const init = { method, headers, cache: "no-store" };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  const response = await fetch(apiUrl(path, query), init);
  if (!response.ok) throw await failure(response);
  if (as === "blob") {
    return { blob: await response.blob(), disposition: response.headers.get("Content-Disposition") || "" };
  }
  return response.json();
}

// The file name a download's Content-Disposition gives (RFC 6266 filename*, else filename).
export function fileName(disposition, fallback) {
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (extended) return decodeURIComponent(extended[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : fallback;
}
