// The field kit's service worker (scope /field/). VERSION and SHELL are set by the server.
// The shell, the modules, the catalogs and the vocabularies are cached: none of them holds
// anything about a person or an allegation. Work is kept in IndexedDB, encrypted; the API
// (sync), the session check and the planned visits are never cached.
const CACHE = `field-${VERSION}`;
const NETWORK_FIRST = ["/field/", "/field/data/", "/field/manifest.webmanifest"];
const NEVER = ["/field/session/", "/field/status/", "/field/planned/"];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const url of SHELL) {
      const response = await fetch(url, { credentials: "same-origin", cache: "reload", redirect: "manual" });
      if (response.ok && response.type === "basic") await cache.put(url, response);
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      await cache.put(key, response.clone());
      return response;
    }
    return (await cache.match(key)) || response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith("/field/") || NEVER.includes(url.pathname)) return;
  if (url.pathname === "/field/sw.js") return;
  if (NETWORK_FIRST.includes(url.pathname) || url.pathname.startsWith("/field/i18n/")) {
    event.respondWith(networkFirst(event.request, url.pathname));
    return;
  }
  event.respondWith((async () => {
    const cached = await caches.match(url.pathname);
    return cached || fetch(event.request);
  })());
});
