import { safeMemberName, uniqueMemberNames } from '../../lib/archives/member-names';

// Names in an archive: whatever a host's records say, an unpacker writes
// only inside the folder it unpacks into (zip-slip), and every member keeps
// its own file.

test.each([
  ['report.pdf', 'report.pdf'],
  ['photos/2026/beach.jpg', 'photos/2026/beach.jpg'],
  ['../../etc/passwd', 'etc/passwd'],
  ['/etc/passwd', 'etc/passwd'],
  ['C:\\Windows\\system32\\evil.dll', 'C_/Windows/system32/evil.dll'],
  ['a/./b/../c.txt', 'a/b/c.txt'],
  ['..', 'file-1'],
  ['', 'file-1'],
  ['//', 'file-1'],
  ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
  ['line\r\nbreak\u0000.txt', 'linebreak.txt'],
  ['what?<is>"this"|*.txt', 'what__is__this___.txt'],
  ['trailing dots...', 'trailing dots'],
  ['folder. /file.txt', 'folder/file.txt'],
  ['CON', '_CON'],
  ['docs/nul.txt', 'docs/_nul.txt'],
  ['été/日本 🎉.txt', 'été/日本 🎉.txt'],
  ['e\u0301te\u0301.txt', '\u00e9t\u00e9.txt'],
  ['\uff0e\uff0e\uff0fevil.txt', '___evil.txt'],
  ['a\u2215b\uff3cc\u2044d.txt', 'a_b_c_d.txt'],
])('safeMemberName(%j) is %j', (wanted, safe) => {
  expect(safeMemberName(wanted, 'file-1')).toBe(safe);
});

test('a segment longer than 255 bytes is cut, keeping its extension', () => {
  const name = safeMemberName(`${'é'.repeat(300)}.pdf`, 'x');
  expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
  expect(name.endsWith('.pdf')).toBe(true);
});

test('duplicates are numbered, case-insensitively; a file never takes a folder another member needs', () => {
  expect(uniqueMemberNames(['photo.jpg', 'Photo.JPG', 'photo.jpg', 'notes', 'notes', 'a', 'a/b.txt', 'x.tar.gz', 'x.tar.gz'])).toEqual([
    'photo.jpg', 'Photo (2).JPG', 'photo (3).jpg', 'notes', 'notes (2)', 'a (2)', 'a/b.txt', 'x.tar.gz', 'x.tar (2).gz',
  ]);
});

test('a numbered name that is itself taken moves on to the next number', () => {
  expect(uniqueMemberNames(['a.txt', 'a (2).txt', 'a.txt'])).toEqual(['a.txt', 'a (2).txt', 'a (3).txt']);
});

test('a dot-file keeps its whole name and is numbered at its end', () => {
  expect(uniqueMemberNames(['dir/.env', 'dir/.env'])).toEqual(['dir/.env', 'dir/.env (2)']);
});

test('a path too long to unpack loses folders from the front, never the file name', () => {
  const name = safeMemberName(`${Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, '0')}${'d'.repeat(198)}`).join('/')}/report.pdf`, 'x');
  expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(255);
  expect(name).toMatch(/^29d+\/report\.pdf$/);
});

test('the same name typed in NFD and NFC is one name: the second is numbered', () => {
  const names = ['e\u0301.txt', '\u00e9.txt'].map((name) => safeMemberName(name, 'x'));
  expect(uniqueMemberNames(names)).toEqual(['\u00e9.txt', '\u00e9 (2).txt']);
});
