const running = new Map<string, Promise<unknown>>();

/** Runs `fn` after any pass already running for `key` in this process: two passes never overlap. */
export function withRepoLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = running.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(fn);
  running.set(key, next);
  void next
    .finally(() => {
      if (running.get(key) === next) running.delete(key);
    })
    .catch(() => undefined);
  return next;
}

export function isLocked(key: string): boolean {
  return running.has(key);
}
