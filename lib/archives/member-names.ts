import { visibleName } from '../http/disposition';

/**
 * Names every unpacker can write safely: relative paths only (no `..`, no
 * leading `/`, no drive letter; zip-slip safe), no control or invisible
 * format characters, none of the characters Windows refuses (`<>:"|?*`), no
 * segment ending in a dot or a space, no device name (`CON`, `NUL`, …).
 */
const WINDOWS_REFUSED = /[<>:"|?*]/g;
/**
 * Dots and slashes from other blocks (full-width, fraction slash, division
 * slash, leaders) that Windows' "best fit" code pages turn into `.` and
 * `/`: an unpacker using them could read `．．／x` as `../x`.
 */
const LOOK_ALIKES = /[\u2024\u2025\u2044\u2215\u29f8\u29f9\ufe52\ufe68\uff0e\uff0f\uff3c]/g;
/** The longest name: most file systems stop a path component there, and Windows unpacks into paths of 260. */
const MAX_NAME_BYTES = 255;
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** One segment made safe; empty when nothing of it is left. */
function safeSegment(segment: string): string {
  const visible = visibleName(segment).replace(WINDOWS_REFUSED, '_').replace(LOOK_ALIKES, '_').replace(/[. ]+$/, '');
  if (visible === '' || visible === '.' || visible === '..') return '';
  return DEVICE.test(visible) ? `_${visible}` : visible;
}

/** `wanted` as a safe relative path (`/` between folders), or `fallback` when nothing of it is left. */
export function safeMemberName(wanted: string, fallback: string): string {
  // NFC: \`é\` typed two ways is one name, as macOS file systems see it.
  const segments = wanted.normalize('NFC').split(/[/\\]+/).map(safeSegment).filter((segment) => segment !== '');
  // A path too long to unpack loses folders from the front: the file's own name stays.
  while (segments.length > 1 && Buffer.byteLength(segments.join('/'), 'utf8') > MAX_NAME_BYTES) segments.shift();
  return segments.length === 0 ? fallback : segments.join('/');
}

/** `photo.jpg` → `photo (2).jpg`; a name without an extension gets the number at its end. */
function numbered(name: string, n: number): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  return dot > slash + 1 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

/**
 * Makes each name unique as unpackers on case-insensitive file systems see
 * them (`Photo.jpg` and `photo.jpg` collide on Windows and macOS), and keeps
 * a file from taking the name of a folder another member needs (`a` beside
 * `a/b.txt`). Later duplicates are numbered: `photo (2).jpg`.
 */
export function uniqueMemberNames(names: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const name of names) {
    const segments = name.toLowerCase().split('/');
    for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join('/'));
  }
  const taken = new Set<string>();
  return names.map((name) => {
    let unique = name;
    for (let n = 2; taken.has(unique.toLowerCase()) || folders.has(unique.toLowerCase()); n++) unique = numbered(name, n);
    taken.add(unique.toLowerCase());
    return unique;
  });
}
