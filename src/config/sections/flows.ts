import { defineSection } from '../section';
import { duration, flag, integer } from '../variable';

/** How flows run. */
export const flows = defineSection({
  variables: {
    /** Whether this instance runs flows' pending runs and inserts their scheduled ones (every instance may; each run is claimed once). */
    run: flag('FLOWS_RUN', true),
    /** How often pending runs and the schedules are looked at when nothing woke the runner. */
    pollIntervalMs: duration('FLOW_POLL_INTERVAL', '1s'),
    /** The most operations one flow may hold. */
    maxSteps: integer('FLOW_MAX_STEPS', 50, 1, 1000),
    /** How many flows deep a chain of flow-caused changes may trigger further flows. */
    maxDepth: integer('FLOW_MAX_DEPTH', 5, 0, 100),
    /** How long the receiver of a `request` operation has to answer. */
    requestTimeoutMs: duration('FLOW_REQUEST_TIMEOUT', '10s'),
  },
});
