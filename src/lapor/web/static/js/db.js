// A tiny IndexedDB wrapper, shared by the pages and the service worker (which cannot read
// localStorage): one database, two stores, a promise per operation. No library: four verbs.
//   mine   — the reports this browser has sent: {id, token, title, at}
//   outbox — reports waiting to be sent: {key (the Idempotency-Key), fields, photo, …}

const NAME = "lapor";
const VERSION = 1;
let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The database (opened once per page or worker); rejects where IndexedDB is unavailable. */
export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      if (!globalThis.indexedDB) throw new Error("IndexedDB unavailable");
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("mine")) db.createObjectStore("mine", { keyPath: "id" });
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "key" });
      };
      request.onsuccess = () => {
        // Another tab upgrading the schema: step aside rather than block it.
        request.result.onversionchange = () => {
          request.result.close();
          opening = null;
        };
        resolve(request.result);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("IndexedDB blocked"));
    }).catch((error) => {
      opening = null;
      throw error;
    });
  }
  return opening;
}

async function run(store, mode, action) {
  const db = await openDb();
  const transaction = db.transaction(store, mode);
  const result = promised(action(transaction.objectStore(store)));
  // A write counts once its transaction has committed, not when its request succeeded.
  await new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("transaction aborted"));
  });
  return result;
}

export const getItem = (store, key) => run(store, "readonly", (s) => s.get(key));
export const allItems = (store) => run(store, "readonly", (s) => s.getAll());
export const putItem = (store, value) => run(store, "readwrite", (s) => s.put(value));
export const deleteItem = (store, key) => run(store, "readwrite", (s) => s.delete(key));
