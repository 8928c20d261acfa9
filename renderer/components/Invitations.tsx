// The invitation list: a listbox (one tab stop; arrows, Home/End, Page Up/Down move; Enter opens and moves focus to
// the answer bar), virtualized (only the visible rows exist in the DOM: issue 9 §4) and fetched in pages from the
// core, so 10,000 threads cost one small call to show the first screen.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, useState } from 'react';
import type { InvitationFilter, InvitationPage, InvitationSummary } from '../../shared/api';
import { api } from '../api-client';
import { useApp } from '../context';
import { BADGE_TEXT, errText, fmtRange } from '../format';
import { focusDetailWhenShown } from '../focus';
import { InvitationDetailView } from './InvitationDetail';
import { Bdi } from './Person';

export function Badge({ badge }: { badge: string }) {
  return <span className={`badge badge-${badge}`}>{BADGE_TEXT[badge] ?? badge}</span>;
}

const PAGE = 100;
const ROW_HEIGHT = 86;

const FILTERS: { id: InvitationFilter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'pending', label: 'To answer' },
  { id: 'received', label: 'Received' },
  { id: 'organized', label: 'I organize' },
];

/** 'From <name> · 2 messages · 1 to decide': the organizer's name isolated (issue 10 §7), the rest the app's. */
function WhoLine({ inv }: { inv: InvitationSummary }) {
  const n = inv.messageCount > 0 ? ` · ${inv.messageCount} message${inv.messageCount === 1 ? '' : 's'}` : '';
  const rest = `${n}${inv.pendingCount > 0 ? ` · ${inv.pendingCount} to decide` : ''}`;
  if (inv.role === 'organizer' || inv.role === 'personal') return <>{`${inv.role === 'organizer' ? 'You organize' : 'Personal event'}${rest}`}</>;
  return (
    <>
      From <Bdi text={inv.organizerName || inv.organizer || 'unknown'} className="inv-organizer" />
      {rest}
    </>
  );
}

const Row = memo(function Row({ inv, index, selected, active, tz, onOpen }: { inv: InvitationSummary; index: number; selected: boolean; active: boolean; tz: string; onOpen: (uid: string, index: number) => void }) {
  const cls = ['inv-item', selected ? 'selected' : '', active ? 'active' : '', `mark-${inv.badge}`].filter(Boolean).join(' ');
  return (
    <div
      id={`inv-opt-${index}`}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      className={cls}
      data-uid={inv.uid}
      data-index={index}
      onClick={() => onOpen(inv.uid, index)}
    >
      <span className="inv-title">
        <Bdi text={inv.summary || '(no title)'} className="inv-summary" />
        <Badge badge={inv.badge} />
      </span>
      <span className="muted small">{fmtRange(inv.start, inv.end, tz, inv.allDay)}</span>
      <span className="muted small inv-who">
        <WhoLine inv={inv} />
      </span>
    </div>
  );
});

/** The list's data: pages by number, fetched when rows of them become visible; all dropped when the store changes. */
function usePagedInvitations(filter: InvitationFilter, tick: number) {
  const [pages, setPages] = useState<Map<number, InvitationSummary[]>>(new Map());
  const [meta, setMeta] = useState<Pick<InvitationPage, 'total' | 'counts' | 'pending'> | null>(null);
  const [error, setError] = useState('');
  const inflight = useRef(new Set<string>());
  const generation = useRef(0);

  const load = useCallback(
    (pageNo: number, gen: number) => {
      const id = `${gen}/${pageNo}`;
      if (inflight.current.has(id)) return;
      inflight.current.add(id);
      void api.listInvitationPage({ offset: pageNo * PAGE, limit: PAGE, filter }).then((r) => {
        inflight.current.delete(id);
        if (gen !== generation.current) return;
        if (!r.ok) return setError(errText(r));
        setError('');
        setMeta({ total: r.value.total, counts: r.value.counts, pending: r.value.pending });
        setPages((m) => new Map(m).set(pageNo, r.value.items));
      });
    },
    [filter],
  );

  // A store change or another filter: start again from the first page (the old rows stay until the new arrive).
  const [loadedPages, setLoadedPages] = useState<number[]>([0]);
  const shownFilter = useRef(filter);
  useEffect(() => {
    generation.current += 1;
    const gen = generation.current;
    if (shownFilter.current !== filter) {
      shownFilter.current = filter;
      setPages(new Map());
      setLoadedPages([0]);
      load(0, gen);
      return;
    }
    for (const p of loadedPages) load(p, gen);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filter, tick, load]);

  const ensure = useCallback(
    (pageNo: number) => {
      setLoadedPages((l) => (l.includes(pageNo) ? l : [...l, pageNo]));
      if (!pages.has(pageNo)) load(pageNo, generation.current);
    },
    [pages, load],
  );

  const at = (i: number): InvitationSummary | undefined => pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  return { at, meta, error, ensure };
}

export function Invitations({ selected }: { selected: string | null }) {
  const { tick, tz, go } = useApp();
  const [filter, setFilter] = useState<InvitationFilter>('all');
  const { at, meta, error, ensure } = usePagedInvitations(filter, tick);
  const total = meta?.total ?? 0;
  const [active, setActive] = useState(-1);
  const scrollRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLDivElement>(null);

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
  });
  const rows = virtualizer.getVirtualItems();

  // Fetch the pages the visible rows belong to.
  const firstRow = rows[0]?.index ?? 0;
  const lastRow = rows[rows.length - 1]?.index ?? 0;
  useEffect(() => {
    if (!total) return;
    for (let p = Math.floor(firstRow / PAGE); p <= Math.floor(lastRow / PAGE); p++) ensure(p);
  }, [firstRow, lastRow, total, ensure]);

  const open = useCallback(
    (uid: string, index: number) => {
      setActive(index);
      go({ name: 'invitations', uid });
    },
    [go],
  );

  const move = (to: number) => {
    if (!total) return;
    const i = Math.max(0, Math.min(total - 1, to));
    setActive(i);
    virtualizer.scrollToIndex(i, { align: 'auto' });
    ensure(Math.floor(i / PAGE));
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
    const cur = active < 0 ? -1 : active;
    if (e.key === 'ArrowDown') move(cur + 1);
    else if (e.key === 'ArrowUp') move(cur <= 0 ? 0 : cur - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(total - 1);
    else if (e.key === 'PageDown') move(cur + page);
    else if (e.key === 'PageUp') move(cur - page);
    else if (e.key === 'Enter' || e.key === ' ') {
      const inv = active >= 0 ? at(active) : undefined;
      if (!inv) return;
      go({ name: 'invitations', uid: inv.uid });
      // Enter opens and hands the keyboard to the answer area (issue 11 §16).
      focusDetailWhenShown(inv.uid);
    } else return;
    e.preventDefault();
  };

  // Entering the list puts the cursor on the open thread (or the first one).
  const onFocus = () => {
    if (active >= 0 || !total) return;
    let idx = 0;
    if (selected) {
      for (const r of rows) if (at(r.index)?.uid === selected) idx = r.index;
    }
    setActive(idx);
  };

  const activeInv = active >= 0 ? at(active) : undefined;
  const counts = meta?.counts;

  return (
    <div className="split">
      <section className="list-pane" aria-labelledby="inv-h">
        <h1 id="inv-h">Invitations</h1>
        <div className="filters" role="group" aria-label="Show">
          {FILTERS.map((f) => (
            <button
              key={f.id}
              type="button"
              aria-pressed={filter === f.id}
              onClick={() => {
                setFilter(f.id);
                setActive(-1);
                virtualizer.scrollToOffset(0);
              }}
            >
              {f.label}
              {counts ? <span className="count"> {counts[f.id]}</span> : null}
            </button>
          ))}
        </div>
        {error && <p className="error">{error}</p>}
        {meta && total === 0 && (
          <p className="muted">
            {filter === 'all'
              ? 'No invitations yet. Meetings you are invited to appear here.'
              : filter === 'pending'
                ? 'Nothing waits for your answer.'
                : filter === 'organized'
                  ? 'You organize no meetings yet.'
                  : 'No invitations received yet.'}
          </p>
        )}
        <div className="inv-scroll" ref={scrollRef}>
          <div
            ref={listRef}
            className="inv-list"
            role="listbox"
            tabIndex={0}
            aria-label="Invitation threads"
            aria-activedescendant={activeInv ? `inv-opt-${active}` : undefined}
            aria-setsize={total}
            data-testid="invitation-list"
            style={{ height: virtualizer.getTotalSize() }}
            onKeyDown={onKeyDown}
            onFocus={onFocus}
          >
            {rows.map((r) => {
              const inv = at(r.index);
              return (
                <div key={r.key} className="inv-row" style={{ transform: `translateY(${r.start}px)`, height: r.size }}>
                  {inv ? (
                    <Row inv={inv} index={r.index} selected={inv.uid === selected} active={r.index === active} tz={tz} onOpen={open} />
                  ) : (
                    <div className="inv-item placeholder" aria-hidden="true">
                      <span className="muted small">Loading…</span>
                    </div>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </section>
      <section className="detail-pane" aria-label="Invitation">
        {selected ? <InvitationDetailView uid={selected} /> : <p className="muted">Select an invitation.</p>}
      </section>
    </div>
  );
}
