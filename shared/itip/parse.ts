// iCalendar text → plain data: split by concept under ./parse/ (lines, ical, component, dates) and ./zones/;
// this file keeps the historical import path.
export { parseCalendar, toIana } from './parse/index';
