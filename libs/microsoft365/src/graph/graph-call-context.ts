import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The Graph SDK turns any error thrown inside its middleware (a refused token, a dead socket) into a bare
 * GraphError with status -1, losing the original. Middleware records the original here, and GraphApi reads it
 * back for the call it made.
 */
const storage = new AsyncLocalStorage<{ failure?: unknown }>();

export function runGraphCall<T>(call: () => Promise<T>): { result: Promise<T>; failure: () => unknown } {
  const store: { failure?: unknown } = {};
  return { result: storage.run(store, call), failure: () => store.failure };
}

export function rememberGraphFailure<E>(error: E): E {
  const store = storage.getStore();
  if (store) store.failure = error;
  return error;
}
