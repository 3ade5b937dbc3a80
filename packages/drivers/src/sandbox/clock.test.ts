import { describe, expect, it } from 'vitest';
import { pause } from './clock.ts';

// Ordering, not timing: which of two waits started together ends first.
const order = async (waits: Record<string, Promise<unknown>>) => {
  const seen: string[] = [];
  await Promise.all(Object.entries(waits).map(([k, p]) => p.then(() => seen.push(k))));
  return seen;
};
const timer = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

describe('sandbox pause', () => {
  it('a wait under 1 ms ends on the next turn, before a 1 ms timer; 1 ms and more are timers', async () => {
    const signal = new AbortController().signal;
    // 300 ms of simulated build at timeScale 0.001 is 0.3 ms: not rounded up to Node's 1 ms timer,
    // so it ends before a 1 ms timer started just before it (as a 1 ms timer it would end after).
    expect(await order({ timer: timer(1), pause: pause(300, 0.001, signal) })).toEqual(['pause', 'timer']);
    expect(await order({ timer: timer(1), pause: pause(0, 1, signal) })).toEqual(['pause', 'timer']);
    // 20 ms of simulated time at scale 1 waits a real timer: a 1 ms timer started with it ends first.
    expect(await order({ timer: timer(1), pause: pause(20, 1, signal) })).toEqual(['timer', 'pause']);
  });

  it('aborting rejects at once, short or long, and the wait never resolves afterwards', async () => {
    for (const simulatedMs of [0.5, 5_000]) {
      const ac = new AbortController();
      let resolved = false;
      const p = pause(simulatedMs, 1, ac.signal).then(() => {
        resolved = true;
      });
      ac.abort();
      await expect(p).rejects.toMatchObject({ code: 'cancelled' });
      await timer(2);
      expect(resolved).toBe(false);
    }
    const done = new AbortController();
    done.abort();
    await expect(pause(1, 1, done.signal)).rejects.toMatchObject({ code: 'cancelled' });
  });
});
