const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration such as `90s`, `30m`, `6h`, `7d` or `2w` into milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2].toLowerCase()];
  return ms > 0 ? ms : undefined;
}

export function formatDuration(ms: number): string {
  for (const unit of ["w", "d", "h", "m"]) {
    if (ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
