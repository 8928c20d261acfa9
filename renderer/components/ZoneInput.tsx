import { useId, useMemo } from 'react';
import { zoneLabel } from '../format';

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

/** Zones matching what was typed: by any part of the name, with spaces for underscores ('new york', 'berlin'). */
export function matchZones(query: string, all: readonly string[], max = 60): string[] {
  const q = query.trim().toLowerCase().replace(/[\s_]+/g, ' ');
  if (!q) return all.slice(0, max);
  const norm = (z: string) => z.toLowerCase().replace(/_/g, ' ');
  const starts = all.filter((z) => norm(z).split('/').some((p) => p.startsWith(q)));
  const rest = all.filter((z) => !starts.includes(z) && norm(z).includes(q));
  return [...starts, ...rest].slice(0, max);
}

/**
 * A searchable time-zone field: type any part of a city or region ('york', 'berlin'); the suggestions show each
 * zone with its current offset, and the field says which zone and offset is in force.
 */
export function ZoneInput({ label, value, disabled, onChange }: { label: string; value: string; disabled?: boolean; onChange: (v: string) => void }) {
  const listId = useId();
  const known = isKnownZone(value);
  const options = useMemo(() => (known ? zones() : matchZones(value, zones())), [value, known]);
  return (
    <label className="zone-input">
      {label}
      <input type="text" list={listId} value={value} disabled={disabled} autoComplete="off" placeholder="Search: Berlin, New York…" aria-invalid={value !== '' && !known} onChange={(e) => onChange(e.target.value)} />
      <datalist id={listId}>
        {options.map((z) => (
          <option key={z} value={z} label={`${z.replace(/_/g, ' ')} (${zoneLabel(z, null)})`} />
        ))}
      </datalist>
      {!disabled && <span className="muted small">{known ? `${zoneLabel(value, null)} now` : value ? 'Pick a zone from the list' : ''}</span>}
    </label>
  );
}
