// The organizer's calendar says in words who declined or hesitated about one occurrence (issue 11 §2).
import { describe, expect, it } from 'vitest';
import { occurrenceResponsesTag, occurrenceResponsesText } from '../../renderer/answer-words';
import { isolateText } from '../../shared/present/bidi';

/** Each address is isolated (issue 10 §7); the words around it are the app's. */
const I = isolateText;

describe('occurrenceResponsesText', () => {
  it('names who declined and who tentatively accepted, declines first', () => {
    expect(
      occurrenceResponsesText([
        { email: 'carol@x.test', partstat: 'TENTATIVE' },
        { email: 'bob@x.test', partstat: 'declined' },
        { email: 'dave@x.test', partstat: 'ACCEPTED' },
      ]),
    ).toBe(`${I('bob@x.test')} declined; ${I('carol@x.test')} tentatively accepted`);
  });

  it('names people by their CN, and by the address when the CN is missing or only repeats the address', () => {
    expect(
      occurrenceResponsesText([
        { email: 'bob@x.test', partstat: 'DECLINED', cn: 'Bob Baker' },
        { email: 'carol@x.test', partstat: 'DECLINED', cn: 'carol@x.test' },
        { email: 'dan@x.test', partstat: 'TENTATIVE', cn: '  ' },
      ]),
    ).toBe(`${I('Bob Baker')}, ${I('carol@x.test')} declined; ${I('dan@x.test')} tentatively accepted`);
  });

  it('keeps a U+202E in a name from reversing the words after it', () => {
    expect(occurrenceResponsesText([{ email: 'eve@x.test', cn: 'Eve \u202Eyna', partstat: 'DECLINED' }])).toBe(`${I('Eve \u202Eyna')} declined`);
  });

  it('says nothing when everyone accepted or has not answered yet', () => {
    expect(occurrenceResponsesText([{ email: 'a@x.test', partstat: 'ACCEPTED' }, { email: 'b@x.test', partstat: 'NEEDS-ACTION' }])).toBe('');
    expect(occurrenceResponsesText([])).toBe('');
    expect(occurrenceResponsesText(undefined)).toBe('');
  });

  it('keeps a U+202E in an address from reversing the words after it', () => {
    expect(occurrenceResponsesText([{ email: 'eve\u202Egro@x.test', partstat: 'DECLINED' }])).toBe('\u2068evegro@x.test\u2069 declined');
  });

  it('keeps a long list short: three names, the rest counted', () => {
    const many = ['a', 'b', 'c', 'd', 'e'].map((n) => ({ email: `${n}@x.test`, partstat: 'DECLINED' }));
    expect(occurrenceResponsesText(many)).toBe(`${I('a@x.test')}, ${I('b@x.test')}, ${I('c@x.test')} and 2 more declined`);
  });
});

describe('occurrenceResponsesTag', () => {
  it('counts declines and maybes for the week event, nothing when all is well', () => {
    const list = [
      { email: 'a@x.test', partstat: 'DECLINED' },
      { email: 'b@x.test', partstat: 'DECLINED' },
      { email: 'c@x.test', partstat: 'TENTATIVE' },
      { email: 'd@x.test', partstat: 'ACCEPTED' },
    ];
    expect(occurrenceResponsesTag(list)).toBe('2 declined · 1 maybe');
    expect(occurrenceResponsesTag(list.slice(2))).toBe('1 maybe');
    expect(occurrenceResponsesTag([{ email: 'd@x.test', partstat: 'ACCEPTED' }])).toBe('');
  });
});
