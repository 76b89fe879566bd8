// The MNIST digits the learning examples train and test on: the small set, or with `--standard`
// (`ExampleOptions.standard`) the standard split.
import { loadMnist, loadStandardMnist, split, type LabelledImages } from '@hamux-ts/data';

/**
 * The digits an example trains and tests on: with `standard`, MNIST's 60,000 training and 10,000
 * test digits (`loadStandardMnist`); otherwise the small set split into 2,000 held out and the rest.
 */
export function mnistDigits(standard: boolean): { train: LabelledImages; test: LabelledImages } {
  return standard ? { train: loadStandardMnist('train'), test: loadStandardMnist('test') } : split(loadMnist(), { test: 2000, seed: 0 });
}

/** How `mnistDigits` chose, for a run's first line. */
export function digitsLabel(standard: boolean): string {
  return standard ? 'the standard split (60,000 / 10,000)' : 'the small MNIST set';
}
