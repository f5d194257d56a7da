// IndexedDB: "meta" holds what is needed before the passphrase (the wrapped key, the device id,
// the count of failed passphrases), nothing about anybody; "records" holds sealed boxes only
// ({id, iv, ct}), opened with the data key (crypto.js).
const NAME = "npm-field";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let opened = null;

function db() {
  if (!opened) {
    const req = indexedDB.open(NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("meta");
      req.result.createObjectStore("records", { keyPath: "id" });
    };
    opened = request(req);
  }
  return opened;
}

async function run(storeName, mode, work) {
  const tx = (await db()).transaction(storeName, mode);
  const result = await request(work(tx.objectStore(storeName)));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  return result;
}

export const getMeta = (name) => run("meta", "readonly", (s) => s.get(name));
export const putMeta = (name, value) => run("meta", "readwrite", (s) => s.put(value, name));
export const allBoxes = () => run("records", "readonly", (s) => s.getAll());
export const putBox = (box) => run("records", "readwrite", (s) => s.put(box));
export const deleteBox = (id) => run("records", "readwrite", (s) => s.delete(id));

// Everything the app keeps on the device: the database, the caches, the service worker.
export async function wipeEverything() {
  if (opened) {
    (await opened).close();
    opened = null;
  }
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(NAME);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
  for (const name of await caches.keys()) await caches.delete(name);
  localStorage.clear();
  sessionStorage.clear();
  if (navigator.serviceWorker) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) {
      await registration.unregister();
    }
  }
}
