/**
 * Bounded work for the local server: at most `concurrency` image requests run at once, up to `queue`
 * more wait (FIFO) for at most `queueTimeoutMs`, and the rest are refused at once with 503 Busy.
 * So memory stays bounded under any load: a waiting request has not had its body read yet.
 */
import { availableParallelism } from 'node:os';
import { FaceVerifyError } from '../core/errors.ts';

export interface LimiterOptions {
  /** Requests running at once (default: the number of cores). */
  concurrency: number;
  /** Requests waiting for a slot; 0 refuses every request beyond `concurrency`. */
  queue: number;
  /** Longest wait in the queue before the request is refused. */
  queueTimeoutMs: number;
}

export function defaultLimits(): LimiterOptions {
  const concurrency = availableParallelism();
  // At ~150 ms per verify, 16 waiting per core drain in about 2.5 s, well inside the deadline.
  return { concurrency, queue: 16 * concurrency, queueTimeoutMs: 10_000 };
}

/** Releases the slot; calling it more than once is harmless. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  refuse: (error: FaceVerifyError) => void;
}

export class WorkLimiter {
  readonly options: LimiterOptions;
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(options: Partial<LimiterOptions> = {}) {
    this.options = { ...defaultLimits(), ...options };
    const { concurrency, queue, queueTimeoutMs } = this.options;
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError('concurrency must be ≥ 1');
    if (!(Number.isInteger(queue) && queue >= 0)) throw new RangeError('queue must be ≥ 0');
    if (!(queueTimeoutMs >= 0)) throw new RangeError('queueTimeoutMs must be ≥ 0');
  }

  /** Requests running and waiting, for tests and logs. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * A slot, now or after waiting; a Busy error when the queue is full, the deadline passes, or
   * `signal` aborts (the client went away) while waiting.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.options.queue) {
      return Promise.reject(busy(`all ${this.options.concurrency} slots are taken and the queue is full`));
    }
    if (signal?.aborted) return Promise.reject(busy('the request was abandoned while it waited'));
    return new Promise<Release>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
      };
      const waiter: Waiter = {
        grant: (release) => {
          leave();
          resolve(release);
        },
        refuse: (error) => {
          leave();
          reject(error);
        },
      };
      const timer = setTimeout(
        () => waiter.refuse(busy(`no slot freed within ${this.options.queueTimeoutMs} ms`)),
        this.options.queueTimeoutMs,
      );
      const onAbort = () => waiter.refuse(busy('the request was abandoned while it waited'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting[0];
      // The slot passes straight to the longest-waiting request; otherwise it is freed.
      if (next) next.grant(this.releaser());
      else this.running--;
    };
  }
}

function busy(reason: string): FaceVerifyError {
  return new FaceVerifyError('Busy', `The service is busy (${reason}); retry shortly.`);
}
