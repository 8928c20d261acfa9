// The conference link and plain-URL links (issue 11 §11): shared/links.ts.
import { describe, expect, it } from 'vitest';
import { conferenceService, findConferenceLink, safeHref, splitLinks } from '../../shared/present/links';

describe('splitLinks', () => {
  it('links http(s) and www. URLs and leaves sentence punctuation outside', () => {
    const segs = splitLinks('See https://example.com/a?b=c. Or (www.example.org/x), then done');
    expect(segs.filter((s) => s.href).map((s) => [s.text, s.href])).toEqual([
      ['https://example.com/a?b=c', 'https://example.com/a?b=c'],
      ['www.example.org/x', 'https://www.example.org/x'],
    ]);
    expect(segs.map((s) => s.text).join('')).toBe('See https://example.com/a?b=c. Or (www.example.org/x), then done');
  });

  it('keeps balanced parentheses inside a URL', () => {
    const segs = splitLinks('https://en.wikipedia.org/wiki/Foo_(bar) and more');
    expect(segs[0]!.href).toBe('https://en.wikipedia.org/wiki/Foo_(bar)');
  });

  it('never links javascript:, data: or other schemes', () => {
    for (const t of ['javascript:alert(1)', 'data:text/html,<b>x', 'file:///etc/passwd', 'ftp://x.test/a']) {
      expect(splitLinks(t).some((s) => s.href)).toBe(false);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('https://ok.test/x')).toBe('https://ok.test/x');
  });

  it('returns the text unchanged when there is no URL', () => {
    expect(splitLinks('No links here.')).toEqual([{ text: 'No links here.' }]);
  });
});

describe('findConferenceLink', () => {
  it('prefers RFC 7986 CONFERENCE over links in the description', () => {
    const l = findConferenceLink({ conference: ['https://zoom.us/j/123456'], description: 'Join https://meet.google.com/abc-defg-hij' });
    expect(l).toMatchObject({ url: 'https://zoom.us/j/123456', service: 'zoom', source: 'conference', label: 'Join Zoom meeting' });
  });

  it('skips a non-http CONFERENCE (tel:) and takes the next source', () => {
    const l = findConferenceLink({ conference: ['tel:+1-555-0100'], googleConference: 'https://meet.google.com/pyb-ndcu-hhc' });
    expect(l).toMatchObject({ service: 'meet', source: 'x-google-conference', label: 'Join Google Meet meeting' });
  });

  it('finds a Teams link in an Outlook HTML description (href only)', () => {
    const html = '<p><a href="https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0?context=%7b%7d&amp;x=1">Click here to join the meeting</a></p>';
    const l = findConferenceLink({ description: 'Microsoft Teams meeting\nJoin on your computer', descriptionHtml: html });
    expect(l?.service).toBe('teams');
    expect(l?.url).toContain('https://teams.microsoft.com/l/meetup-join/');
    expect(l?.url).toContain('x=1');
    expect(l?.source).toBe('description');
  });

  it('finds Zoom, Meet and Webex links in LOCATION before the description', () => {
    expect(findConferenceLink({ location: 'https://acme.zoom.us/j/987?pwd=x', description: 'https://meet.google.com/abc-defg-hij' })).toMatchObject({ service: 'zoom', source: 'location' });
    expect(findConferenceLink({ location: 'Room 1', description: 'Webex: https://acme.webex.com/meet/alice' })).toMatchObject({ service: 'webex', source: 'description' });
    expect(findConferenceLink({ description: 'Gå med: https://meet.google.com/pyb-ndcu-hhc\n\nVisa' })?.url).toBe('https://meet.google.com/pyb-ndcu-hhc');
  });

  it('finds nothing when only ordinary links are there (no false Join button)', () => {
    expect(findConferenceLink({ location: 'https://maps.example.com/x', description: 'Agenda at https://docs.example.com/a and https://calendar.google.com/event?x' })).toBeNull();
    expect(findConferenceLink({})).toBeNull();
  });

  it('recognises hosts exactly, not by substring', () => {
    expect(conferenceService('https://zoom.us.evil.test/j/1')).toBeNull();
    expect(conferenceService('https://notteams.microsoft.com.evil.test/l/meetup-join/1')).toBeNull();
    expect(conferenceService('https://teams.microsoft.com/l/meetup-join/1')?.service).toBe('teams');
  });
});
