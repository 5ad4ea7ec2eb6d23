/**
 * Finds dates and date-times in English text and writes them as ISO 8601, relative to a given
 * `now` so the same text always gives the same value. Dates are calendar days in UTC; a time
 * without an offset is read as UTC.
 */

export interface FoundDate {
  start: number;
  end: number;
  /** `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SSZ` (or the offset given) for date-times. */
  value: string;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const DAY = '(\\d{1,2})(?:st|nd|rd|th)?';
const YEAR = '(?:,?\\s+(\\d{4}))?';
const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };

const pad = (n: number) => String(n).padStart(2, '0');

function isoDay(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** The ISO day, or undefined when the day does not exist (February 30). */
function calendarDay(year: number, month: number, day: number): string | undefined {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return isoDay(d);
}

function addDays(now: Date, days: number): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days));
  return isoDay(d);
}

function monthIndex(name: string): number {
  const key = name.toLowerCase().replace('.', '').slice(0, 3);
  return MONTHS.findIndex((m) => m.startsWith(key)) + 1;
}

interface Rule {
  re: RegExp;
  value: (m: RegExpExecArray, now: Date) => string | undefined;
}

const DATE_RULES: Rule[] = [
  { re: /\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g, value: (m) => calendarDay(+m[1], +m[2], +m[3]) },
  { re: /\b(\d{4})\/(\d{1,2})\/(\d{1,2})\b/g, value: (m) => calendarDay(+m[1], +m[2], +m[3]) },
  {
    re: new RegExp(`\\b${MONTH}\\s+${DAY}\\b${YEAR}`, 'gi'),
    value: (m, now) => calendarDay(m[3] ? +m[3] : now.getUTCFullYear(), monthIndex(m[1]), +m[2]),
  },
  {
    re: new RegExp(`\\b${DAY}\\s+(?:of\\s+)?${MONTH}(?![a-z])${YEAR}`, 'gi'),
    value: (m, now) => calendarDay(m[3] ? +m[3] : now.getUTCFullYear(), monthIndex(m[2]), +m[1]),
  },
  { re: /\b(?:the\s+)?day\s+after\s+tomorrow\b/gi, value: (_m, now) => addDays(now, 2) },
  { re: /\b(today|tonight|tomorrow|yesterday)\b/gi, value: (m, now) => addDays(now, { today: 0, tonight: 0, tomorrow: 1, yesterday: -1 }[m[1].toLowerCase()]!) },
  {
    re: /\bin\s+(\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten)\s+(day|week)s?\b/gi,
    value: (m, now) => {
      const n = /^\d/.test(m[1]) ? +m[1] : NUMBER_WORDS[m[1].toLowerCase()];
      return addDays(now, n * (m[2].toLowerCase() === 'week' ? 7 : 1));
    },
  },
  {
    // "friday", "on friday", "this friday", "next friday": the coming one, never today.
    re: new RegExp(`\\b(?:(?:next|this|coming|on)\\s+)?(${WEEKDAYS.join('|')})\\b`, 'gi'),
    value: (m, now) => {
      const target = WEEKDAYS.indexOf(m[1].toLowerCase());
      const ahead = (target - now.getUTCDay() + 7) % 7 || 7;
      return addDays(now, ahead);
    },
  },
];

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

function collect(text: string, rules: Rule[], now: Date): FoundDate[] {
  const found: FoundDate[] = [];
  for (const rule of rules) {
    for (const m of text.matchAll(rule.re)) {
      const value = rule.value(m as RegExpExecArray, now);
      const span = { start: m.index, end: m.index + m[0].length, value: value ?? '' };
      // Earlier rules are more specific; a later, looser match inside one is the same date.
      if (value && !found.some((f) => overlaps(f, span))) found.push(span);
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Every date in the text, in order of appearance. */
export function findDates(text: string, now: Date): FoundDate[] {
  return collect(text, DATE_RULES, now);
}

interface FoundTime {
  start: number;
  end: number;
  hour: number;
  minute: number;
}

/** Clock times: "3pm", "3:30 p.m.", "15:00", "noon", "midnight". */
export function findTimes(text: string): FoundTime[] {
  const out: FoundTime[] = [];
  for (const m of text.matchAll(/\b(\d{1,2})(?::([0-5]\d))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])/gi)) {
    const h = +m[1];
    if (h < 1 || h > 12) continue;
    const pm = m[3].toLowerCase().startsWith('p');
    out.push({ start: m.index, end: m.index + m[0].length, hour: (h % 12) + (pm ? 12 : 0), minute: m[2] ? +m[2] : 0 });
  }
  for (const m of text.matchAll(/\b([01]?\d|2[0-3]):([0-5]\d)\b(?!\s*[ap]\.?m)/gi)) {
    out.push({ start: m.index, end: m.index + m[0].length, hour: +m[1], minute: +m[2] });
  }
  for (const m of text.matchAll(/\b(noon|midday|midnight)\b/gi)) {
    out.push({ start: m.index, end: m.index + m[0].length, hour: m[1].toLowerCase() === 'midnight' ? 0 : 12, minute: 0 });
  }
  return out.sort((a, b) => a.start - b.start);
}

const ISO_DATE_TIME = /\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?(?![\w:])/gi;
const JOINER = /^\s*(?:,|at|@|on|by)?\s*$/i;

/** Date-times: ISO 8601 ones as given, and a date next to a clock time ("March 3 at 3pm"). */
export function findDateTimes(text: string, now: Date): FoundDate[] {
  const found: FoundDate[] = [];
  for (const m of text.matchAll(ISO_DATE_TIME)) {
    const zone = m[4] ? m[4].toUpperCase().replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z';
    found.push({ start: m.index, end: m.index + m[0].length, value: `${m[1]}T${m[2]}${m[3] ?? ':00'}${zone}` });
  }
  const dates = findDates(text, now);
  const times = findTimes(text);
  for (const d of dates) {
    for (const t of times) {
      const [first, second] = d.start < t.start ? [d, t] : [t, d];
      if (first.end > second.start || !JOINER.test(text.slice(first.end, second.start))) continue;
      const span = { start: first.start, end: second.end, value: `${d.value}T${pad(t.hour)}:${pad(t.minute)}:00Z` };
      if (!found.some((f) => overlaps(f, span))) found.push(span);
    }
  }
  return found.sort((a, b) => a.start - b.start);
}
