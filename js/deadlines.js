// The timeouts of the calls in flight, on one timer. A timer per call (a
// setTimeout and a clearTimeout around every request) costs 1.5 µs a call
// in Chromium with 32 calls in flight, where this costs 0.2 µs (in Node
// both cost about 0.3 µs). Calls with the same timeout end in the order
// they started, so each timeout length keeps a first-in, first-out queue
// whose head has the earliest deadline, and one timer is armed for the
// earliest head of all. A call that settles is only marked (it leaves its
// queue when it reaches the head); the timer is re-armed when it fires or
// when a call needs an earlier deadline.
//
// The semantics are setTimeout's: a call times out no earlier than its
// timeout after it started, and soon after; and a pending call keeps a Node
// (or Deno, or Bun) process alive, as its timer did. When no call is left
// the timer stays armed, but no longer keeps the process alive.

const now = () => performance.now();

/** keepAlive makes timer keep the process alive, or not: Node's and Bun's
 * timers have ref and unref, Deno's ids go to Deno.refTimer and
 * Deno.unrefTimer; in browsers and Workers a timer keeps nothing alive. */
function keepAlive(timer, on) {
  if (timer === null) return;
  if (typeof timer === 'object') {
    if (on) timer.ref?.();
    else timer.unref?.();
  } else {
    (on ? globalThis.Deno?.refTimer : globalThis.Deno?.unrefTimer)?.(timer);
  }
}

/** The deadline of one call: cancel() once the call has settled. */
class Deadline {
  constructor(owner, at, expire) {
    this.owner = owner;
    this.at = at;
    this.expire = expire;
    this.live = true;
  }
  cancel() {
    if (this.live) this.owner.settled(this);
  }
}

/** The deadlines of one timeout length, in the order they were added. */
class Queue {
  items = [];
  head = 0;
  /** The first live deadline, or undefined; drops settled ones before it. */
  first() {
    while (this.head < this.items.length && !this.items[this.head].live) this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
      return undefined;
    }
    if (this.head >= 1024 && this.head * 2 >= this.items.length) { // as long as the calls in flight, not as all calls
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return this.items[this.head];
  }
}

export class Deadlines {
  #queues = new Map(); // timeout → Queue
  #live = 0;
  #timer = null;
  #armedFor = Infinity; // the deadline the timer fires for

  /** add calls expire() once ms milliseconds have passed, unless cancel()
   * of the returned deadline comes first. */
  add(ms, expire) {
    let queue = this.#queues.get(ms);
    if (queue === undefined) this.#queues.set(ms, queue = new Queue());
    const d = new Deadline(this, now() + ms, expire);
    queue.items.push(d);
    if (this.#live++ === 0) keepAlive(this.#timer, true);
    if (d.at < this.#armedFor) this.#arm(d.at);
    return d;
  }

  /** The calls that have a deadline (for tests). */
  get size() { return this.#live; }

  settled(d) {
    d.live = false;
    if (--this.#live === 0) keepAlive(this.#timer, false);
  }

  #arm(at) {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - now()));
    if (this.#live === 0) keepAlive(this.#timer, false);
  }

  #fire() {
    this.#timer = null;
    this.#armedFor = Infinity;
    const t = now();
    const expired = [];
    let next = Infinity;
    for (const [ms, queue] of this.#queues) {
      let d;
      while ((d = queue.first()) !== undefined && d.at <= t) {
        d.live = false;
        this.#live--;
        queue.items[queue.head++] = undefined;
        expired.push(d);
      }
      if (d === undefined) this.#queues.delete(ms);
      else next = Math.min(next, d.at);
    }
    if (next !== Infinity) this.#arm(next);
    for (const d of expired) d.expire(); // last: an expiry may add or settle calls
  }
}

/** A timer per call, for Cloudflare Workers: there a timer belongs to the
 * request that set it, and one shared by the calls of several requests
 * could be cancelled with the first. */
const perCall = {
  add(ms, expire) {
    const timer = setTimeout(expire, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

/** The deadlines of every call of the package. */
export const deadlines = globalThis.navigator?.userAgent === 'Cloudflare-Workers' ? perCall : new Deadlines();
