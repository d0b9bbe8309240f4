const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850
 * and asctime forms (names in any letter case), into epoch ms; `undefined` when the value is not a valid
 * date (a recipient then treats it as invalid, e.g. `Expires` as already
 * expired). Never throws.
 */
export function parseHttpDate(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const text = value.trim();
  let match =
    /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/i.exec(
      text,
    );
  let day: string | undefined;
  let month: string | undefined;
  let year: number | undefined;
  let time: [string, string, string] | undefined;
  if (match) {
    day = match[1];
    month = match[2];
    year = Number(match[3]);
    time = [match[4] as string, match[5] as string, match[6] as string];
  } else {
    match =
      /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/i.exec(
        text,
      );
    if (match) {
      day = match[1];
      month = match[2];
      const short = Number(match[3]);
      // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
      const thisYear = new Date().getUTCFullYear();
      year = 2000 + short > thisYear + 50 ? 1900 + short : 2000 + short;
      time = [match[4] as string, match[5] as string, match[6] as string];
    } else {
      match =
        /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i.exec(
          text,
        );
      if (!match) return undefined;
      month = match[1];
      day = (match[2] as string).trim();
      time = [match[3] as string, match[4] as string, match[5] as string];
      year = Number(match[6]);
    }
  }
  const monthIndex = MONTHS.indexOf((month ?? '').toLowerCase());
  if (monthIndex < 0 || year === undefined || day === undefined || time === undefined) {
    return undefined;
  }
  const [hours, minutes, seconds] = time.map(Number) as [number, number, number];
  const dayNumber = Number(day);
  if (dayNumber < 1 || dayNumber > 31 || hours > 23 || minutes > 59 || seconds > 60) {
    return undefined;
  }
  const ms = Date.UTC(year, monthIndex, dayNumber, hours, minutes, seconds);
  if (new Date(ms).getUTCDate() !== dayNumber) return undefined;
  return ms;
}

/** Formats epoch ms as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`). */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
