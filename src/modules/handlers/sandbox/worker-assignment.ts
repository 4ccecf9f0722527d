/**
 * Which worker process a run goes to. Workers serve one lane each: the shared lane (`null`), where the
 * runs of every healthy workspace go, or a quarantine lane (a number), one worker each, where the runs of
 * workspaces whose handlers made a worker die go. A lane's workers never run another lane's runs, so a
 * quarantined workspace that crashes its worker again reaches no healthy workspace's run.
 */
export type Lane = number | null;

/**
 * The workspaces kept apart after their handlers made a worker process die, each until a moment (a new
 * crash puts it further), and the quarantine lane each one is in: a lane of its own while fewer than
 * `maxLanes` are taken, otherwise the lane with the fewest workspaces. Pure: the caller gives the time.
 */
export class Quarantine {
  private readonly until = new Map<string, number>();
  private readonly lanes = new Map<string, number>();

  constructor(
    private readonly durationMs: number,
    private readonly maxLanes: number,
  ) {}

  /** Quarantines the workspaces from `now` for the duration, or extends their quarantine; answers when it ends. */
  add(workspaceIds: Iterable<string>, now: number): number {
    const end = now + this.durationMs;
    for (const workspaceId of workspaceIds) {
      this.laneFor(workspaceId, now);
      this.until.set(workspaceId, end);
      if (!this.lanes.has(workspaceId)) this.lanes.set(workspaceId, this.freeLane());
    }
    return end;
  }

  /** The lane of a workspace's runs at `now`: its quarantine lane, or null (shared) once its quarantine has ended. */
  laneFor(workspaceId: string, now: number): Lane {
    const until = this.until.get(workspaceId);
    if (until === undefined) return null;
    if (until <= now) {
      this.until.delete(workspaceId);
      this.lanes.delete(workspaceId);
      return null;
    }
    return this.lanes.get(workspaceId)!;
  }

  /** The quarantine lanes that still hold a quarantined workspace at `now`. */
  lanesInUse(now: number): Set<number> {
    for (const workspaceId of [...this.until.keys()]) this.laneFor(workspaceId, now);
    return new Set(this.lanes.values());
  }

  private freeLane(): number {
    const crowd = new Map<number, number>();
    for (const lane of this.lanes.values()) crowd.set(lane, (crowd.get(lane) ?? 0) + 1);
    for (let lane = 0; lane < this.maxLanes; lane += 1) if (!crowd.has(lane)) return lane;
    // Every lane is taken: the least crowded one, the lowest of equals.
    let fewest = 0;
    for (let lane = 1; lane < this.maxLanes; lane += 1) if (crowd.get(lane)! < crowd.get(fewest)!) fewest = lane;
    return fewest;
  }
}

/** What the pool knows of a worker to place a run. */
export interface WorkerLoad {
  lane: Lane;
  runs: number;
}

/** A run's place: a worker (its index), a new worker to fork in the run's lane, or none free (the run waits). */
export type Placement = { worker: number } | { fork: true } | null;

/**
 * Where a run of `lane` goes: an idle worker of the lane, or a new one while the lane has fewer than its
 * workers (`sharedWorkers` for the shared lane, one for a quarantine lane), or the lane's least busy
 * worker with room; otherwise nowhere yet.
 */
export function placeRun(workers: readonly WorkerLoad[], lane: Lane, limits: { sharedWorkers: number; runsPerWorker: number }): Placement {
  let least = -1;
  let count = 0;
  workers.forEach((worker, index) => {
    if (worker.lane !== lane) return;
    count += 1;
    if (least < 0 || worker.runs < workers[least].runs) least = index;
  });
  if (least >= 0 && workers[least].runs === 0) return { worker: least };
  if (count < (lane === null ? limits.sharedWorkers : 1)) return { fork: true };
  return least >= 0 && workers[least].runs < limits.runsPerWorker ? { worker: least } : null;
}
