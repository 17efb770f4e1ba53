// Whether a process id on this host is running: for files and leases named after a process that may have died.

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
