// Text from mail (a name, an address, a SUMMARY or LOCATION) shown inline next to the app's own words. Each is its
// own bidi isolate (<bdi>, HTML §4.5.23; UAX #9 first-strong isolation): a U+202E in a display name cannot reverse
// the address beside it or the app's label around it (issue 10 §7), and its bidi controls are dropped so it cannot
// reorder itself either ('fdp.exe' shown as 'exe.pdf'). React renders the value as text, never HTML.
import type { ReactNode } from 'react';
import { stripBidiControls } from '../../shared/present/bidi';
import { usefulName } from '../../shared/present/names';

/** One piece of mail text, isolated. */
export function Bdi({ text, className, testId }: { text: string | null | undefined; className?: string; testId?: string }) {
  return (
    <bdi className={className} data-testid={testId}>
      {stripBidiControls(text ?? '')}
    </bdi>
  );
}

/**
 * A person as 'Name <address>' (personWithAddress's words), or only the name (withAddress false), or the address
 * when no useful name is known; name and address each isolated.
 */
export function Person({ name, email, withAddress = true, className }: { name?: string | null; email?: string | null; withAddress?: boolean; className?: string }): ReactNode {
  const e = stripBidiControls(email ?? '').trim();
  const n = stripBidiControls(usefulName(name, e) ?? '');
  if (n && !withAddress) return <bdi className={className ? `person ${className}` : 'person'}>{n}</bdi>;
  if (n && e) {
    return (
      <span className={className ? `person ${className}` : 'person'}>
        <bdi className="person-name">{n}</bdi> <span className="muted">&lt;<bdi className="person-email">{e}</bdi>&gt;</span>
      </span>
    );
  }
  return <bdi className={className ? `person ${className}` : 'person'}>{n || e}</bdi>;
}
