// A field computed when first read (issue 9 §1): work whose result most readers never look at (a component's text, a
// pending item's calendar text, a mail's text body) is done on first access instead of on every read.
//
// The field is an own, enumerable accessor, so JSON.stringify, spreads, Object.assign, structuredClone and deep
// equality see exactly the object they would see had the value been computed up front. The getter and setter are
// shared per key and keep their state in a WeakMap: an object that gains a NEW accessor property with shared functions
// keeps V8's fast properties and one hidden class for all such objects (redefining an existing property, or an
// accessor written in an object literal, turns every object into a slow dictionary).

interface Slot {
  make: (() => unknown) | null;
  value: unknown;
  onAssign: (() => void) | undefined;
}

/** Per key (a handful: ics, text, html), the slots of the objects that have that lazy field. */
const slotsByKey = new Map<string, WeakMap<object, Slot>>();
const accessors = new Map<string, PropertyDescriptor>();

function slotsFor(key: string): WeakMap<object, Slot> {
  let m = slotsByKey.get(key);
  if (!m) slotsByKey.set(key, (m = new WeakMap()));
  return m;
}

function slotOf(obj: object, key: string): Slot | undefined {
  return slotsFor(key).get(obj);
}

function accessorFor(key: string): PropertyDescriptor {
  let d = accessors.get(key);
  if (!d) {
    d = {
      enumerable: true,
      configurable: true,
      get(this: object): unknown {
        const slot = slotOf(this, key);
        if (!slot) return undefined;
        if (slot.make) {
          const make = slot.make;
          slot.make = null; // computed once; its inputs can be collected
          slot.value = make();
        }
        return slot.value;
      },
      set(this: object, value: unknown): void {
        let slot = slotOf(this, key);
        if (!slot) {
          // An object inheriting the accessor (Object.create): give it its own plain field.
          Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
          return;
        }
        slot.make = null;
        slot.value = value;
        slot.onAssign?.();
      },
    };
    accessors.set(key, d);
  }
  return d;
}

/**
 * Adds `obj[key]`, computed by `make` on first read and kept. Call it at the point in the object's construction where
 * the key belongs (it is appended, like an assignment). Assigning first stores the value without computing (then
 * `onAssign` runs). `make` must depend only on data captured when the field is defined.
 */
export function lazyField<T extends object, K extends string & keyof T>(obj: T, key: K, make: () => T[K], onAssign?: () => void): void {
  slotsFor(key).set(obj, { make, value: undefined, onAssign });
  Object.defineProperty(obj, key, accessorFor(key));
}
