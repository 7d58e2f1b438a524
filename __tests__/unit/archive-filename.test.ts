import { archiveFilename } from '../../lib/archives/archive-manifest';

test.each([
  [undefined, 'download.zip'],
  ['', 'download.zip'],
  ['Q3 export', 'Q3 export.zip'],
  ['Q3 export.ZIP', 'Q3 export.zip'],
  ['Q3/final', 'Q3_final.zip'],
  ['a/b\\c', 'a_b_c.zip'],
  ['Q3 Bericht – Über.', 'Q3 Bericht – Über.zip'],
  ['...', 'download.zip'],
  ['.zip', 'download.zip'],
  ['bad\u0000\r\nname', 'badname.zip'],
  ['x'.repeat(400), `${'x'.repeat(251)}.zip`],
])('archive name %j → %j', (wanted, name) => {
  expect(archiveFilename(wanted)).toBe(name);
});
