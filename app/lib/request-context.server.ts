// One store per HTTP request, shared by every loader and action that request runs. Remix hands each
// loader of a navigation (root, layout, page) its own Request object, so a memo keyed on the Request
// misses; the server wraps each request in this AsyncLocalStorage instead (server.ts), and work that
// every loader asks for (who is signed in, their membership) is done once per request.
import { AsyncLocalStorage } from 'node:async_hooks';

type Store = Map<string, unknown>;

// Only reads share a store: a POST may run an action that signs out or changes a role before the
// loaders render, and those loaders must see the change, so a POST's loaders compute afresh.
// On globalThis: server.ts and the Remix server bundle each hold their own copy of this module.
const STORAGE_KEY = Symbol.for('saas.requestContext');
const holder = globalThis as { [STORAGE_KEY]?: AsyncLocalStorage<Store | null> };
holder[STORAGE_KEY] ??= new AsyncLocalStorage<Store | null>();
const storage = holder[STORAGE_KEY];

/** Runs `fn` (and everything it awaits) inside a fresh request store (for GET and HEAD requests). */
export function runWithRequestContext<T>(fn: () => T, method = 'GET'): T {
  return storage.run(method === 'GET' || method === 'HEAD' ? new Map() : null, fn);
}

/** Express/Connect middleware form of runWithRequestContext. */
export function requestContextMiddleware(req: { method?: string }, _res: unknown, next: () => void): void {
  runWithRequestContext(next, req.method);
}

// Outside a request store (tests calling a loader directly, the Vite dev server), memoize per Request
// object and key instead, which still collapses repeated calls that pass the same Request.
const byRequest = new WeakMap<Request, Store>();

/**
 * The value of `key` for this request, computed once by `make`. Keys must include everything the value
 * depends on besides the request (e.g. the database).
 */
export function requestMemo<T>(request: Request, key: string, make: () => T): T {
  let store = storage.getStore();
  if (store === null) return make();
  if (!store) {
    store = byRequest.get(request);
    if (!store) {
      store = new Map();
      byRequest.set(request, store);
    }
  }
  if (store.has(key)) return store.get(key) as T;
  const value = make();
  store.set(key, value);
  return value;
}

/** Forgets `key` for this request (after sign-in/out changes who the request acts as). */
export function forgetRequestMemo(request: Request, key: string): void {
  (storage.getStore() ?? byRequest.get(request))?.delete(key);
}
