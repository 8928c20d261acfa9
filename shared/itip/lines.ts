// Physical lines of an iCalendar text, before unfolding (RFC 5545 §3.1: lines end in CRLF).
//
// Producers and mail relays damage line ends: bare LF, bare CR (classic Mac), and a stray CR before the CRLF
// ("\r\r\n", from a CRLF → CRCRLF conversion). A run of CRs followed by LF is ONE line end; splitting it into two
// (an empty line between) would put an empty line between a line and its folded continuation, and the unfolding
// would then cut the value in two (a UID halved). A run of bare CRs is one line end too (blank lines carry nothing).
export function splitLines(text: string): string[] {
  return text.split(/\r*\n|\r+/);
}
