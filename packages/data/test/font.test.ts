import { describe, expect, it } from 'vitest';
import { drawText, FONT_CHARACTERS, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth, undrawable } from '../src/font.js';

const ALL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:-_/%()+=\'!?#<>*→×';

describe('the label font', () => {
  it('has a 5 × 7 glyph for every character it lists, each different, only space blank', () => {
    const seen = new Map<string, string>();
    for (const ch of ALL) {
      const g = glyph(ch);
      expect(g, ch).toBeDefined();
      expect(g!.length).toBe(GLYPH_WIDTH * GLYPH_HEIGHT);
      expect(g!.every((v) => v === 0 || v === 1)).toBe(true);
      const key = g!.join('');
      expect(seen.get(key), `${ch} draws like ${seen.get(key)}`).toBeUndefined();
      seen.set(key, ch);
      expect(g!.some((v) => v === 1)).toBe(ch !== ' ');
    }
    expect(FONT_CHARACTERS).toContain('A–Z');
    expect(FONT_CHARACTERS).toContain('%');
  });

  it('draws lower case as upper case and names what it cannot draw', () => {
    expect(glyph('r')).toEqual(glyph('R'));
    expect(glyph('é')).toBeUndefined();
    expect(undrawable('recalled (25%)')).toEqual([]);
    expect(undrawable('été β β')).toEqual(['é', 'β']);
  });

  it('draws the letter T where its bitmap says, at scale 2, and nothing else', () => {
    // T: a full top row, then the middle column.
    const width = 14, height = 16;
    const rgba = new Uint8Array(width * height * 4).fill(200);
    drawText(rgba, width, 2, 1, 'T', { scale: 2, ink: 0 });
    const inked = (x: number, y: number) => rgba[(y * width + x) * 4] === 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const fx = Math.floor((x - 2) / 2), fy = Math.floor((y - 1) / 2);
        const inside = x >= 2 && y >= 1 && fx < GLYPH_WIDTH && fy < GLYPH_HEIGHT;
        const expected = inside && (fy === 0 || fx === 2);
        expect(inked(x, y), `(${x}, ${y})`).toBe(expected);
      }
    }
  });

  it('measures 6n − 1 pixels for n characters, and clips at the edges', () => {
    expect(textWidth('')).toBe(0);
    expect(textWidth('A')).toBe(5);
    expect(textWidth('original', 2)).toBe((8 * 6 - 1) * 2);
    const rgba = new Uint8Array(3 * 3 * 4);
    expect(() => drawText(rgba, 3, -2, -2, 'WW', { scale: 3, ink: 9 })).not.toThrow();
    expect(rgba.some((v) => v === 9)).toBe(true);
  });
});
