/** The time as the usage accounting sees it; tests move it by hand instead of sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until moved (tests: a simulated day in milliseconds). */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string) {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): Date {
    this.t += ms;
    return this.now();
  }
  set(at: Date | string): Date {
    this.t = new Date(at).getTime();
    return this.now();
  }
}

export const HOUR_MS = 3_600_000;

/** Start of the UTC hour containing `t`. */
export function floorHour(t: Date | number): Date {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS));
}
