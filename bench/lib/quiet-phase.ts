/**
 * Sharing the machine during a benchmark: before each phase wait (up to
 * `quietWaitSeconds`) until other processes use less than `quietCores`, and
 * measure the cores they used while the phase ran; a repeatable phase (a
 * search pass) they disturbed by more than `busyCores` runs once more and
 * the quieter run is kept. With `waitQuiet` off nothing is waited for or
 * repeated; the cores are still measured.
 */
import { startContentionMeter, waitForQuietMachine } from "./cpu-contention.js";

export const quietCores = 0.15;
export const busyCores = 0.3;
export const quietWaitSeconds = 300;

export interface PhaseRunner {
  /** Waits for other processes to go (nearly) idle. */
  quietMachine(): Promise<void>;
  /** Runs `phase` on a quiet machine; returns its result and the cores other processes used meanwhile (undefined off Linux). */
  withContention<T>(phase: () => Promise<T>, options?: { repeatable?: boolean }): Promise<[T, number | undefined]>;
}

export function createPhaseRunner(options: { waitQuiet: boolean; note: (line: string) => void }): PhaseRunner {
  const { waitQuiet, note } = options;
  async function quietMachine(): Promise<void> {
    if (!waitQuiet) return;
    const started = performance.now();
    const quiet = await waitForQuietMachine({ maxOtherCores: quietCores, timeoutSeconds: quietWaitSeconds });
    const waited = (performance.now() - started) / 1000;
    if (!quiet) note(`  (other processes stayed busy for ${waited.toFixed(0)} s; going on anyway)`);
    else if (waited > 5) note(`  (waited ${waited.toFixed(0)} s for other processes to go quiet)`);
  }
  async function withContention<T>(phase: () => Promise<T>, phaseOptions: { repeatable?: boolean } = {}): Promise<[T, number | undefined]> {
    await quietMachine();
    let meter = startContentionMeter();
    let result = await phase();
    let other = meter.stop()?.otherCores;
    if (phaseOptions.repeatable && waitQuiet && other !== undefined && other > busyCores) {
      note(`  (other processes used ${other.toFixed(2)} cores during that pass; running it again)`);
      await quietMachine();
      meter = startContentionMeter();
      const again = await phase();
      const otherAgain = meter.stop()?.otherCores;
      if (otherAgain !== undefined && otherAgain < other) {
        result = again;
        other = otherAgain;
      }
    }
    return [result, other];
  }
  return { quietMachine, withContention };
}
