// A CLI command's arguments read once for every command: a usage error is printed with the usage (exit 2), --help prints the usage (exit 0).

/** Where a command prints its usage. */
interface UsageIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * What `parse` gives (it parses and checks the arguments, throwing on a usage error), or the exit code when the
 * command has nothing more to do: 2 after a usage error, printed as `digest-bot <command>: <message>` and the usage;
 * 0 after `--help`, the usage printed. A usage error wins over `--help`, as it always has.
 *
 * @example
 * const parsed = readCommandArgs(io, "migrate", USAGE, () => parseArgs({ args, options }));
 * if (typeof parsed === "number") return parsed;
 */
export function readCommandArgs<T extends { values: { help?: boolean | undefined } }>(io: UsageIo, command: string, usage: string, parse: () => T): T | number {
  let parsed: T;
  try {
    parsed = parse();
  } catch (err) {
    io.stderr(`digest-bot ${command}: ${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout(usage);
    return 0;
  }
  return parsed;
}
