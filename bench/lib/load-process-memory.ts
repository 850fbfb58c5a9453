/**
 * Resident memory of a server process and of its descendants (Miniflare's
 * workerd), read from /proc on Linux: VmRSS of /proc/<pid>/status. Resident
 * set size counts shared pages in each process that maps them, so the sum
 * over processes may exceed what they use together. Off Linux, or for a
 * process that is gone, the readings are absent.
 */
import { readdirSync, readFileSync } from "node:fs";
import { parseProcessStat } from "./cpu-contention.js";

/** Bytes of VmRSS in a /proc/<pid>/status text, or undefined if the line is absent (kernel threads, zombies). */
export function parseVmRss(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

export interface ProcessMemory {
  pid: number;
  name: string;
  rssBytes: number;
}

export interface TreeMemory {
  /** The root process. */
  root: ProcessMemory;
  /** Every descendant still running, by pid. */
  descendants: ProcessMemory[];
}

/**
 * The descendants of `root` given (pid, ppid) pairs, in breadth-first order.
 * Pure; cycles (impossible in /proc, possible in bad input) are not followed twice.
 */
export function descendantsOf(root: number, processes: readonly { pid: number; ppid: number }[]): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of processes) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const seen = new Set<number>([root]);
  const order: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      order.push(child);
      queue.push(child);
    }
  }
  return order;
}

function readProcess(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rssBytes = parseVmRss(status);
    if (rssBytes === undefined) return undefined;
    const name = /^Name:\s+(.*)$/m.exec(status)?.[1]?.trim() ?? "?";
    return { pid, name, rssBytes };
  } catch {
    return undefined;
  }
}

/** RSS of `pid` and of every descendant, or undefined when /proc cannot be read or the process is gone. */
export function treeMemory(pid: number): TreeMemory | undefined {
  const root = readProcess(pid);
  if (!root) return undefined;
  const processes: { pid: number; ppid: number }[] = [];
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        processes.push(parseProcessStat(readFileSync(`/proc/${entry}/stat`, "utf8")));
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    return { root, descendants: [] };
  }
  const descendants = descendantsOf(pid, processes).flatMap((child) => readProcess(child) ?? []);
  return { root, descendants };
}

/** RSS of the descendants named like `prefix` (e.g. "workerd") and of the others, in bytes. */
export function splitDescendants(memory: TreeMemory | undefined, prefix: string): { matching: number; others: number } {
  let matching = 0;
  let others = 0;
  for (const child of memory?.descendants ?? []) {
    if (child.name.startsWith(prefix)) matching += child.rssBytes;
    else others += child.rssBytes;
  }
  return { matching, others };
}

/** "412 MiB" */
export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
