// The organizer's calendar says in words who declined or hesitated about one occurrence (issue 11 §2).
import { describe, expect, it } from 'vitest';
import { occurrenceResponsesText } from '../../renderer/answer-words';

describe('occurrenceResponsesText', () => {
  it('names who declined and who tentatively accepted, declines first', () => {
    expect(
      occurrenceResponsesText([
        { email: 'carol@x.test', partstat: 'TENTATIVE' },
        { email: 'bob@x.test', partstat: 'declined' },
        { email: 'dave@x.test', partstat: 'ACCEPTED' },
      ]),
    ).toBe('bob@x.test declined; carol@x.test tentatively accepted');
  });

  it('says nothing when everyone accepted or has not answered yet', () => {
    expect(occurrenceResponsesText([{ email: 'a@x.test', partstat: 'ACCEPTED' }, { email: 'b@x.test', partstat: 'NEEDS-ACTION' }])).toBe('');
    expect(occurrenceResponsesText([])).toBe('');
    expect(occurrenceResponsesText(undefined)).toBe('');
  });

  it('keeps a long list short: three names, the rest counted', () => {
    const many = ['a', 'b', 'c', 'd', 'e'].map((n) => ({ email: `${n}@x.test`, partstat: 'DECLINED' }));
    expect(occurrenceResponsesText(many)).toBe('a@x.test, b@x.test, c@x.test and 2 more declined');
  });
});
