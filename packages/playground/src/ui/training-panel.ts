/**
 * The "train in the page" panel: a `TrainingSession` stepped one optimizer step at a time, yielding
 * to the browser in between, with the loss curve and held-out score redrawn as it learns; and the
 * trained classifier handed to the playground as a model.
 */
import { presets, type Config } from '@hamux-ts/config';
import type { Runtime } from '@hamux-ts/dynamics';
import { splitDigits, type Digits } from '../lib/digits.js';
import { setupFromHam, type ModelSetup } from '../lib/models.js';
import { DEFAULT_TRAIN, TrainingSession } from '../lib/train.js';
import type { TrainSummary } from './api.js';
import { byId, errorText, yieldToBrowser } from './dom.js';
import { lossSvg } from './plots.js';

/** Held-out digits per class. */
export const HELD_PER_CLASS = 5;
/** Held-out evaluation every this many steps. */
const EVALUATE_EVERY = 25;

export class TrainingPanel {
  readonly #digits: Digits;
  readonly #runtime: Runtime;
  #session: TrainingSession | undefined;
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #heldOut: { step: number; loss: number }[] = [];
  #last: { loss: number; accuracy: number } | undefined;

  /** `runtime`: `useBackend`'s, which the trainer runs on. */
  constructor(digits: Digits, runtime: Runtime) {
    this.#digits = digits;
    this.#runtime = runtime;
  }

  /** Trains `count` more steps (the held-out loss is taken first, then every 25 steps and at the end). */
  async train(count: number): Promise<TrainSummary> {
    await this.stop();
    if (!this.#session) {
      const { train, held } = splitDigits(this.#digits, HELD_PER_CLASS);
      this.#session = new TrainingSession(this.#digits, train, held, DEFAULT_TRAIN, this.#runtime);
    }
    const session = this.#session;
    const status = byId('train-status');
    status.dataset['state'] = 'training';
    this.#running = true;
    this.#loop = (async () => {
      try {
        if (session.step === 0) await this.#evaluate(session);
        for (let i = 0; i < count && this.#running; i++) {
          await session.next();
          if (session.step % 5 === 0 || i === count - 1) this.#draw(session);
          if (session.step % EVALUATE_EVERY === 0) await this.#evaluate(session);
          await yieldToBrowser();
        }
        if (this.#heldOut.at(-1)?.step !== session.step) await this.#evaluate(session);
        this.#draw(session);
        status.dataset['state'] = 'stopped';
      } catch (e) {
        status.dataset['state'] = 'error';
        status.textContent = `training failed: ${errorText(e)}`;
      } finally {
        this.#running = false;
      }
    })();
    await this.#loop;
    return this.summary();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  summary(): TrainSummary {
    const s = this.#session;
    return { steps: s?.step ?? 0, losses: [...(s?.losses ?? [])], heldOut: [...this.#heldOut], last: this.#last };
  }

  /**
   * A model factory for the classifier as trained so far (each call a new graph, the caller's), or
   * undefined before any training.
   */
  async trained(): Promise<(() => Promise<ModelSetup>) | undefined> {
    await this.stop();
    const session = this.#session;
    if (!session) {
      byId('train-status').textContent = 'train a model first (Train), then relax with it';
      return undefined;
    }
    const s = session.settings;
    const config = presets.classifier({ input: 784, hidden: s.hidden, labels: 10, seed: s.seed, scheduler: { mode: 'fixed', dt: s.dt, maxSteps: s.steps } }) as unknown as Config;
    const steps = session.step;
    return () => setupFromHam(session.trained(), config, {
      id: 'trained',
      title: 'classifier trained in this page',
      description: `Trained here for ${steps} steps on ${this.#digits.count - 10 * HELD_PER_CLASS} shipped digits.`,
      kind: 'classifier',
    });
  }

  async #evaluate(session: TrainingSession): Promise<void> {
    this.#last = await session.evaluate();
    this.#heldOut.push({ step: session.step, loss: this.#last.loss });
  }

  #draw(session: TrainingSession): void {
    byId('loss-plot').innerHTML = lossSvg(session.losses, this.#heldOut);
    const last = session.losses[session.losses.length - 1];
    byId('train-status').textContent =
      `${session.step} steps (epoch ${session.epoch}), batch loss ${last?.toFixed(3) ?? '–'}` +
      (this.#last ? `; held-out: loss ${this.#last.loss.toFixed(3)}, accuracy ${(100 * this.#last.accuracy).toFixed(0)}% of ${HELD_PER_CLASS * 10} digits` : '');
  }
}
