/** The only way Vigil code reads the time, so tests can move it instead of waiting. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

/** The wall clock, for the executable's composition root only. */
export const systemClock: Clock = { now: () => Date.now() }

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private ms = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms
  }
  /** Moves time forward by the given milliseconds. */
  advance(ms: number): void {
    this.ms += ms
  }
  set(ms: number): void {
    this.ms = ms
  }
}
