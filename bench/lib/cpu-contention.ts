/**
 * How much CPU other processes used while a benchmark phase ran: busy time of
 * the whole machine (/proc/stat) minus the CPU time of this process and its
 * descendants (workerd, esbuild: /proc/<pid>/stat), in cores. On a 2-core
 * machine, 0.5 "other cores" during a latency pass means the figures were
 * measured on a busy machine. Linux only; elsewhere the readings are absent.
 *
 * A descendant that exits during the phase takes its CPU time with it and is
 * then counted as "other"; measure phases in which the process tree is
 * stable.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Busy jiffies of all CPUs from the first line of /proc/stat (everything but idle and iowait). */
export function parseMachineBusy(procStat: string): number {
  const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) throw new Error("no aggregate cpu line in /proc/stat");
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

/** pid, parent pid and utime + stime (jiffies) from one /proc/<pid>/stat line. */
export function parseProcessStat(stat: string): { pid: number; ppid: number; cpu: number } {
  // The command name is in parentheses and may contain spaces or ")": split after the last ")".
  const close = stat.lastIndexOf(")");
  const pid = Number(stat.slice(0, stat.indexOf("(")).trim());
  const rest = stat.slice(close + 2).split(" ");
  // rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
  return { pid, ppid: Number(rest[1]), cpu: Number(rest[11]) + Number(rest[12]) };
}

/** CPU jiffies of `root` and every descendant still running. */
function treeCpu(root: number): number {
  const processes = new Map<number, { ppid: number; cpu: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parsed = parseProcessStat(readFileSync(`/proc/${entry}/stat`, "utf8"));
      processes.set(parsed.pid, parsed);
    } catch {
      // exited meanwhile
    }
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of processes) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += processes.get(pid)?.cpu ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

interface Reading {
  at: number;
  machine: number;
  tree: number;
}

function read(): Reading | undefined {
  try {
    return { at: performance.now(), machine: parseMachineBusy(readFileSync("/proc/stat", "utf8")), tree: treeCpu(process.pid) };
  } catch {
    return undefined;
  }
}

/** Jiffies per second: USER_HZ, 100 on every mainstream Linux build. */
const ticksPerSecond = 100;

/**
 * Starts a measurement; `stop()` returns the average number of cores other
 * processes kept busy meanwhile, and this benchmark's own (process tree), or
 * undefined where /proc is not available.
 */
export function startContentionMeter(): { stop(): { otherCores: number; ownCores: number } | undefined } {
  const start = read();
  return {
    stop() {
      const end = read();
      if (!start || !end) return undefined;
      const seconds = (end.at - start.at) / 1000;
      if (seconds <= 0) return undefined;
      const own = (end.tree - start.tree) / ticksPerSecond / seconds;
      const machine = (end.machine - start.machine) / ticksPerSecond / seconds;
      return { otherCores: Math.max(0, machine - own), ownCores: own };
    },
  };
}

/**
 * Waits until other processes use less than `maxOtherCores` over a
 * `windowSeconds` window, or until `timeoutSeconds` have passed. Resolves to
 * true when the machine became quiet (or /proc is not available), false on
 * timeout.
 */
export async function waitForQuietMachine(options: { maxOtherCores: number; windowSeconds?: number; timeoutSeconds: number }): Promise<boolean> {
  const windowMs = (options.windowSeconds ?? 2) * 1000;
  const deadline = performance.now() + options.timeoutSeconds * 1000;
  for (;;) {
    const meter = startContentionMeter();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const reading = meter.stop();
    if (!reading || reading.otherCores < options.maxOtherCores) return true;
    if (performance.now() >= deadline) return false;
  }
}
