// A field computed when first read (issue 9 §1): work whose result most readers never look at (a component's text, a
// pending item's calendar text, a mail's text body) is done on first access instead of on every read.

/**
 * Makes `obj[key]` an enumerable accessor that computes its value on first read and then becomes a plain writable
 * property holding it, in the same key position: JSON.stringify, spreads, structuredClone and deep equality see the
 * same object as if the value had been computed up front. Assigning first replaces it without computing (`onAssign`
 * runs). `make` must be a pure function of data captured when the field is defined.
 */
export function lazyField<T extends object, K extends string & keyof T>(obj: T, key: K, make: () => T[K], onAssign?: () => void): void {
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get(this: T): T[K] {
      const value = make();
      Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
      return value;
    },
    set(this: T, value: T[K]): void {
      onAssign?.();
      Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
    },
  });
}
