import { useId } from 'react';

let cached: string[] | null = null;
function zones(): string[] {
  if (!cached) {
    try {
      cached = (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
    } catch {
      cached = ['UTC'];
    }
  }
  return cached;
}

/** Whether `tz` is a time zone this browser knows (an IANA name such as 'Europe/Berlin'). */
export function isKnownZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The sentence shown for a zone name that is not one. */
export function unknownZoneText(tz: string): string {
  return `Unknown time zone "${tz}". Pick one from the list, such as Europe/Berlin or America/New_York.`;
}

/** A time-zone field with completion from the zones the browser knows. */
export function ZoneInput({ label, value, disabled, onChange }: { label: string; value: string; disabled?: boolean; onChange: (v: string) => void }) {
  const listId = useId();
  return (
    <label>
      {label}
      <input type="text" list={listId} value={value} disabled={disabled} autoComplete="off" aria-invalid={value !== '' && !isKnownZone(value)} onChange={(e) => onChange(e.target.value)} />
      <datalist id={listId}>
        {zones().map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
    </label>
  );
}
