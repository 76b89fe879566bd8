import { describe, expect, it } from 'vitest';
import { textWidth } from '../src/index.js';

/**
 * Advance widths of ASCII 32–126 in thousandths of an em: DejaVu Sans Book and Bold, measured with
 * Chromium 156's canvas `measureText` at 1000 px (Debian's fonts-dejavu, Chromium's sans-serif here).
 */
const DEJAVU = {
  normal: '318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 636 636 636 636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 557 863 748 787 603 787 695 635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 635 550 635 615 352 635 634 278 278 579 278 974 634 612 635 635 411 521 392 634 592 818 592 592 525 636 337 636 838',
  bold: '348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696 696 696 696 696 696 696 400 400 838 838 838 580 1000 774 762 734 830 683 683 821 837 372 372 775 637 995 837 850 733 850 770 720 682 812 774 1103 771 724 725 457 365 457 838 500 500 675 716 593 716 678 435 716 712 343 343 665 343 1042 712 687 716 716 493 595 478 712 652 924 645 652 582 712 365 712 838',
};
const dejaVu = (text: string, size: number, bold: boolean) => {
  const table = (bold ? DEJAVU.bold : DEJAVU.normal).split(' ').map(Number);
  return ([...text].reduce((s, c) => s + table[c.charCodeAt(0) - 32]!, 0) / 1000) * size;
};

describe('textWidth', () => {
  it('is at least DejaVu Sans’s width for every printable ASCII character, regular and bold', () => {
    for (let c = 32; c < 127; c++) {
      const ch = String.fromCharCode(c);
      for (const bold of [false, true]) expect(textWidth(ch, 1000, bold), `${JSON.stringify(ch)} bold=${bold}`).toBeGreaterThanOrEqual(dejaVu(ch, 1000, bold));
    }
  });
  it('overestimates ordinary labels by little (under 20%)', () => {
    for (const s of ['encode (dense)', 'hopfield (reluSquaredMemory)', 'hierarchical-3-sigmoid', 'digit 7', 'step 6: end of the trained descent', '[16, 64] layernorm']) {
      for (const bold of [false, true]) {
        const ratio = textWidth(s, 11, bold) / dejaVu(s, 11, bold);
        expect(ratio, s).toBeGreaterThanOrEqual(1);
        expect(ratio, s).toBeLessThan(1.2);
      }
    }
  });
  it('scales with the font size and is 0 for no text', () => {
    expect(textWidth('', 12)).toBe(0);
    expect(textWidth('abc', 24)).toBeCloseTo(2 * textWidth('abc', 12), 9);
  });
});
