/**
 * A tiny bitmap font for labels in PNG grids (pngjs draws no text): 5 × 7 pixel capitals, digits
 * and some punctuation, drawn by hand for hamux-ts. Lower case is drawn as upper case; one blank
 * column separates characters, so a text of n characters is `6n − 1` pixels wide.
 */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;

// Each glyph: seven rows of five columns, '#' ink, '.' paper.
const GLYPHS: Readonly<Record<string, string>> = {
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '####. #...# #...# #...# #...# #...# ####.',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .###.',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  '-': '..... ..... ..... ##### ..... ..... .....',
  _: '..... ..... ..... ..... ..... ..... #####',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '=': '..... ..... ##### ..... ##### ..... .....',
  "'": '..#.. ..#.. .#... ..... ..... ..... .....',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '→': '..... ..#.. ...#. ##### ...#. ..#.. .....',
  '×': '..... #...# .#.#. ..#.. .#.#. #...# .....',
};

/** What the font draws, in words: `A–Z (lower case as upper case), 0–9, space and .,:…`. */
export const FONT_CHARACTERS: string = `A–Z (lower case as upper case), 0–9, space and ${Object.keys(GLYPHS).filter((ch) => !/[A-Z0-9 ]/.test(ch)).join('')}`;

/** The glyph of `ch` as `GLYPH_HEIGHT` rows of `GLYPH_WIDTH` ink flags (1 = ink), or undefined. */
export function glyph(ch: string): Uint8Array | undefined {
  const rows = GLYPHS[ch.toUpperCase()];
  return rows === undefined ? undefined : Uint8Array.from(rows.replaceAll(' ', ''), (c) => (c === '#' ? 1 : 0));
}

/** Characters of `text` the font cannot draw, each once, in order of appearance. */
export function undrawable(text: string): string[] {
  return [...new Set([...text].filter((ch) => glyph(ch) === undefined))];
}

/** Width in pixels of `text` drawn at `scale`: `(6n − 1) · scale` for n characters, 0 when empty. */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * (GLYPH_WIDTH + 1) - 1) * scale;
}

/**
 * Draws `text` into an RGBA buffer `width` pixels wide, its top-left corner at `(x, y)`, each font
 * pixel a `scale × scale` square of grey level `ink`. Characters the font lacks are skipped (check
 * with `undrawable` first); pixels outside the buffer are not drawn.
 */
export function drawText(rgba: Uint8Array, width: number, x: number, y: number, text: string, options: { readonly scale?: number; readonly ink?: number } = {}): void {
  const scale = options.scale ?? 1;
  const ink = options.ink ?? 0;
  const height = Math.floor(rgba.length / (4 * width));
  [...text].forEach((ch, i) => {
    const g = glyph(ch);
    if (!g) return;
    const gx = x + i * (GLYPH_WIDTH + 1) * scale;
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (!g[r * GLYPH_WIDTH + c]) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = gx + c * scale + dx, py = y + r * scale + dy;
            if (px < 0 || py < 0 || px >= width || py >= height) continue;
            const o = (py * width + px) * 4;
            rgba[o] = rgba[o + 1] = rgba[o + 2] = ink;
            rgba[o + 3] = 255;
          }
        }
      }
    }
  });
}
