/** Ordered streaming with bounded concurrency: the next items start while the current one runs. */

/**
 * Runs `work` over `items` with at most `limit` in flight and calls `emit` with each result in
 * input order, as soon as it and every earlier one are done. `emit` is awaited (backpressure).
 * A rejection of `work` stops the run and is rethrown once the results before it have been emitted.
 */
export async function mapOrdered<T, R>(
  items: Iterable<T>,
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  emit: (result: R, index: number) => void | Promise<void>,
): Promise<void> {
  if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`limit must be ≥ 1, got ${limit}`);
  type Settled = { ok: true; value: R } | { ok: false; error: unknown };
  const inFlight: Promise<Settled>[] = [];
  const iterator = items[Symbol.iterator]();
  let started = 0;
  let done = false;
  const fill = () => {
    while (!done && inFlight.length < limit) {
      const next = iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      const index = started++;
      // Settled promises, so a later item's failure is never an unhandled rejection.
      inFlight.push(
        Promise.resolve()
          .then(() => work(next.value, index))
          .then(
            (value): Settled => ({ ok: true, value }),
            (error: unknown): Settled => ({ ok: false, error }),
          ),
      );
    }
  };
  fill();
  for (let index = 0; inFlight.length > 0; index++) {
    const settled = await (inFlight.shift() as Promise<Settled>);
    if (!settled.ok) throw settled.error;
    fill();
    await emit(settled.value, index);
  }
}
