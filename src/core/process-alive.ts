// Whether a process id on this host is running, and since when: for files and leases named after a process that may have died.
import { readFileSync } from "node:fs";

/**
 * True when `pid` names a running process (this one included). A process of another user counts as running
 * (EPERM): its files and leases are left alone.
 *
 * @example
 * if (!isProcessRunning(Number(pidFromTempName))) await rm(tempFile, { force: true });
 */
export function isProcessRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * When a process started, as the kernel counts it (clock ticks since boot, field 22 of /proc/<pid>/stat); undefined
 * off Linux or when the process does not exist. With the pid it names one process, even after its pid is reused.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count fields after its closing ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
