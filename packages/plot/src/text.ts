/** How wide a line of SVG text will be drawn, to lay out labels before any browser sees them. */

/**
 * The width in px of `text` at font size `size` in the default sans-serif: an upper bound for DejaVu
 * Sans (what Chromium, Inkscape and rsvg draw sans-serif with on Linux; wider than Helvetica and
 * Arial), from four classes of character: narrow (`i l t f r` and punctuation), lower case and digits,
 * capitals and symbols, and wide (`m w M W % @ &`, and anything
 * beyond ASCII, such as `—` or `σ`). Overestimates by about 10% on ordinary labels.
 *
 * @example textWidth('encode (dense)', 11) // ≈ 91, where Chromium draws 86
 */
export function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const c of text) {
    if (/[ !'(),\-./:;I[\]\\ijl|frt]/.test(c)) em += bold ? 0.5 : 0.42;
    else if (/[mwMW%@&]/.test(c) || c.charCodeAt(0) > 126) em += bold ? 1.11 : 1.0;
    else if (/[a-z0-9_]/.test(c)) em += bold ? 0.72 : 0.64;
    else em += bold ? 0.86 : 0.84;
  }
  return em * size;
}
