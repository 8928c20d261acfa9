// A recurrence rule in words ("Every Tuesday until 1 Mar 2027"), for the UI and for the text/plain part of the
// mail we send (RFC 6047 §2.4: the text body is for people whose client does not read the calendar part; they
// cannot read FREQ=WEEKLY either). Pure: RFC 5545 §3.3.10 RECUR value in, English out; it never throws, and a rule
// it cannot put in words says so in words rather than showing the raw text.

const DAY_NAMES: Record<string, string> = { MO: 'Monday', TU: 'Tuesday', WE: 'Wednesday', TH: 'Thursday', FR: 'Friday', SA: 'Saturday', SU: 'Sunday' };
const DAY_ORDER = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ORDINAL_WORDS: Record<number, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth', [-1]: 'last', [-2]: 'second to last' };

export interface RecurRule {
  freq: string;
  interval: number;
  count: number | null;
  /** 'YYYY-MM-DD' (the date part of UNTIL). */
  until: string | null;
  /** BYDAY entries: ordinal (0 = every) and two-letter day. */
  byDay: { ord: number; day: string }[];
  byMonthDay: number[];
  byMonth: number[];
  /** Parts this module does not put in words (BYSETPOS, BYHOUR, ...). */
  other: string[];
}

/** Parses an RRULE value ('FREQ=WEEKLY;BYDAY=TU;UNTIL=20270301T000000Z'); null when there is no FREQ. */
export function parseRecur(rrule: string | null | undefined): RecurRule | null {
  if (!rrule) return null;
  const parts = new Map<string, string>();
  for (const kv of rrule.replace(/^RRULE:/i, '').split(';').slice(0, 50)) {
    const i = kv.indexOf('=');
    if (i > 0) parts.set(kv.slice(0, i).trim().toUpperCase(), kv.slice(i + 1).trim());
  }
  const freq = (parts.get('FREQ') ?? '').toUpperCase();
  if (!freq) return null;
  const interval = Math.max(1, Number.parseInt(parts.get('INTERVAL') ?? '1', 10) || 1);
  const countN = Number.parseInt(parts.get('COUNT') ?? '', 10);
  const u = /^(\d{4})(\d{2})(\d{2})/.exec(parts.get('UNTIL') ?? '');
  const byDay: RecurRule['byDay'] = [];
  for (const d of (parts.get('BYDAY') ?? '').split(',')) {
    const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/i.exec(d.trim());
    if (m) byDay.push({ ord: m[1] ? Number(m[1]) : 0, day: m[2]!.toUpperCase() });
  }
  const nums = (k: string) =>
    (parts.get(k) ?? '')
      .split(',')
      .map((x) => Number.parseInt(x, 10))
      .filter((n) => Number.isFinite(n) && n !== 0);
  const known = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'WKST']);
  return {
    freq,
    interval,
    count: Number.isFinite(countN) && countN > 0 ? countN : null,
    until: u ? `${u[1]}-${u[2]}-${u[3]}` : null,
    byDay,
    byMonthDay: nums('BYMONTHDAY'),
    byMonth: nums('BYMONTH').filter((n) => n >= 1 && n <= 12),
    other: [...parts.keys()].filter((k) => !known.has(k)),
  };
}

/** '1 Mar 2027' for 'YYYY-MM-DD'. */
export function dateInWords(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m) return date;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1] ?? m[2]} ${m[1]}`;
}

function ordinalDay(n: number): string {
  if (n < 0) return n === -1 ? 'the last day' : `${-n} days before the end of the month`;
  const suffix = n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th';
  return `the ${n}${suffix}`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function dayList(days: { ord: number; day: string }[]): string {
  const sorted = [...days].sort((a, b) => DAY_ORDER.indexOf(a.day) - DAY_ORDER.indexOf(b.day));
  return list(sorted.map((d) => DAY_NAMES[d.day] ?? d.day));
}

function isWeekdays(days: { ord: number; day: string }[]): boolean {
  const set = new Set(days.filter((d) => d.ord === 0).map((d) => d.day));
  return set.size === 5 && ['MO', 'TU', 'WE', 'TH', 'FR'].every((d) => set.has(d));
}

const UNIT: Record<string, [string, string]> = {
  SECONDLY: ['second', 'seconds'],
  MINUTELY: ['minute', 'minutes'],
  HOURLY: ['hour', 'hours'],
  DAILY: ['day', 'days'],
  WEEKLY: ['week', 'weeks'],
  MONTHLY: ['month', 'months'],
  YEARLY: ['year', 'years'],
};

/**
 * The rule in words. `start` (an ISO date or date-time, optional) names the weekday of a weekly rule without BYDAY
 * and the day of a monthly rule without BYMONTHDAY, as RFC 5545 §3.3.10 takes them from DTSTART.
 */
export function describeRecurrence(rrule: string | null | undefined, start?: string | null): string {
  const r = parseRecur(rrule);
  if (!r) return rrule ? 'Repeats (a rule Convene cannot read)' : '';
  const unit = UNIT[r.freq];
  if (!unit) return 'Repeats (a rule Convene cannot read)';
  const startDate = start && /^\d{4}-\d{2}-\d{2}/.test(start) ? new Date(`${start.slice(0, 10)}T12:00:00Z`) : null;
  const startDay = startDate ? DAY_ORDER[(startDate.getUTCDay() + 6) % 7]! : null;
  const every = r.interval === 1 ? 'Every' : `Every ${r.interval}`;
  const unitWord = r.interval === 1 ? unit[0] : unit[1];
  let text: string;
  const plainDays = r.byDay.filter((d) => d.ord === 0);
  const ordDays = r.byDay.filter((d) => d.ord !== 0);

  if (r.freq === 'WEEKLY') {
    const days = plainDays.length ? plainDays : startDay ? [{ ord: 0, day: startDay }] : [];
    if (r.interval === 1) text = isWeekdays(days) ? 'Every weekday' : days.length ? `Every ${dayList(days)}` : 'Every week';
    else text = days.length ? `Every ${r.interval} weeks on ${isWeekdays(days) ? 'weekdays' : dayList(days)}` : `Every ${r.interval} weeks`;
  } else if (r.freq === 'DAILY') {
    text = r.interval === 1 && isWeekdays(plainDays) ? 'Every weekday' : `${every} ${unitWord}`;
  } else if (r.freq === 'MONTHLY') {
    if (ordDays.length) {
      text = `${every} ${unitWord} on the ${list(ordDays.map((d) => `${ORDINAL_WORDS[d.ord] ?? `${d.ord}th`} ${DAY_NAMES[d.day]}`))}`;
    } else if (r.byMonthDay.length) {
      text = `${every} ${unitWord} on ${list(r.byMonthDay.map(ordinalDay))}`;
    } else if (plainDays.length) {
      text = `${every} ${unitWord}, every ${dayList(plainDays)}`;
    } else if (startDate) {
      text = `${every} ${unitWord} on ${ordinalDay(startDate.getUTCDate())}`;
    } else text = `${every} ${unitWord}`;
  } else if (r.freq === 'YEARLY') {
    const months = r.byMonth.map((m) => MONTHS_LONG[m - 1]!);
    if (months.length && ordDays.length) text = `${every} ${unitWord} on the ${ORDINAL_WORDS[ordDays[0]!.ord] ?? ordDays[0]!.ord} ${DAY_NAMES[ordDays[0]!.day]} of ${list(months)}`;
    else if (months.length && r.byMonthDay.length) text = `${every} ${unitWord} on ${list(r.byMonthDay.map((d) => `${d} ${MONTHS_LONG[r.byMonth[0]! - 1]}`))}`;
    else if (startDate) text = `${every} ${unitWord} on ${startDate.getUTCDate()} ${MONTHS_LONG[startDate.getUTCMonth()]}`;
    else text = `${every} ${unitWord}`;
  } else {
    text = `${every} ${unitWord}`;
  }

  if (r.other.length) text += ' (with further conditions)';
  if (r.count) text += r.count === 1 ? ', once' : `, ${r.count} times`;
  else if (r.until) text += ` until ${dateInWords(r.until)}`;
  return text;
}
