// Issue 10 §7: links that reach the system lose attach=-style mailto fields; only http(s) and mailto pass.
import { describe, expect, it } from 'vitest';
import { safeExternalUrl, safeMailto } from '../../shared/present/external-link';

describe('links handed to the system', () => {
  it('mailto keeps addresses, subject and body; drops attach, attachment, file, cc, bcc', () => {
    expect(safeMailto('mailto:org@example.com?subject=Hi%20there&attach=/etc/passwd&body=See%20you')).toBe('mailto:org@example.com?subject=Hi%20there&body=See%20you');
    expect(safeMailto('MAILTO:a@x?ATTACHMENT=~/.ssh/id_rsa&File=x&%61ttach=y&cc=spy@evil&bcc=spy@evil&to=more@evil')).toBe('mailto:a@x');
    expect(safeMailto('mailto:a@x')).toBe('mailto:a@x');
    expect(safeMailto('https://x')).toBeNull();
  });
  it('only http(s) and mailto are opened', () => {
    expect(safeExternalUrl('https://meet.example.com/j/1?pwd=x')).toBe('https://meet.example.com/j/1?pwd=x');
    expect(safeExternalUrl('mailto:a@x?attach=C:\\secret')).toBe('mailto:a@x');
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'smb://host/share', 'ms-msdt:x', 'data:text/html,x', 'not a url']) expect(safeExternalUrl(bad), bad).toBeNull();
  });
});
