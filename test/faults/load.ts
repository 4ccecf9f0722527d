import type { Api, ApiResponse } from '../support/http';

/** One request of a load, as the fault tests look back at it. */
export interface Sample {
  kind: 'read' | 'write';
  startedAt: number;
  endedAt: number;
  status: number;
  /** The error code of an error answer (the envelope's), or null. */
  code: string | null;
  /** The id a write answered 2xx with: an acknowledged write. */
  id: string | number | null;
}

export const latency = (sample: Sample) => sample.endedAt - sample.startedAt;
export const succeeded = (sample: Sample) => sample.status >= 200 && sample.status < 300;

/** The p-th percentile (0–100) of the numbers, by nearest rank; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * A steady load of reads and writes on one collection: `workers` loops, each sending one request after
 * another (a read, then a write, in turn) and pausing `pauseMs` between them, until stopped. Every
 * request is kept as a Sample; a request that fails at the socket counts as status 0.
 */
export class Load {
  readonly samples: Sample[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    apis: Api[],
    path: string,
    options: { workers: number; pauseMs: number; write?: (n: number) => Record<string, unknown> },
  ) {
    let written = 0;
    const write = options.write ?? ((n: number) => ({ title: `write ${n}` }));
    this.loops = Array.from({ length: options.workers }, async (_, worker) => {
      const api = apis[worker % apis.length];
      for (let turn = worker; this.running; turn++) {
        const kind = turn % 2 === 0 ? 'read' : 'write';
        const startedAt = performance.now();
        const response: ApiResponse | null = await (kind === 'read' ? api.get(`${path}?limit=5&sort=-id`) : api.post(path, write(++written))).catch(() => null);
        const endedAt = performance.now();
        const status = response?.status ?? 0;
        const code = (response?.body as { errors?: Array<{ extensions?: { code?: string } }> } | undefined)?.errors?.[0]?.extensions?.code ?? null;
        const id = kind === 'write' && status >= 200 && status < 300 ? (response?.body as { data: { id: string | number } }).data.id : null;
        this.samples.push({ kind, startedAt, endedAt, status, code, id });
        await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
    });
  }

  /** Stops sending and waits for the requests under way. */
  async stop(): Promise<Sample[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.samples;
  }
}

/** Prints one figure of a fault test: what the suite is run for, read by whoever runs it. */
export function report(line: string): void {
  // eslint-disable-next-line no-console -- the figures are the fault suite's output
  console.log(line);
}
