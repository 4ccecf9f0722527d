/** A part of the health report: its status and whatever facts it carries. */
export type HealthPart = { status: string } & Record<string, unknown>;

/** `GET /health` as it answers, unwrapped (monitors read it as it is). */
export interface HealthReport {
  status: 'ok' | 'error';
  info: Partial<Record<'database' | 'redis' | 'memory_heap' | 'memory_rss' | 'storage' | 'system' | 'application', HealthPart>>;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB": binary multiples, one decimal under 10. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 || value >= 10 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** Seconds as the two largest units: "3 d 4 h", "5 min 2 s". */
export function formatDuration(seconds: number): string {
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3_600), 'h'],
    [Math.floor((seconds % 3_600) / 60), 'min'],
    [Math.floor(seconds % 60), 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}
