import { defineSection } from '../section';
import { duration, integer, size } from '../variable';

/** The limits of each realtime WebSocket connection. */
export const realtime = defineSection({
  variables: {
    /** How often the server pings; a connection that has not answered by the next ping is closed. */
    heartbeatMs: duration('REALTIME_HEARTBEAT', '30s'),
    maxSubscriptions: integer('REALTIME_MAX_SUBSCRIPTIONS', 100, 1, 10_000),
    /** The largest message a client may send. */
    maxMessageBytes: size('REALTIME_MAX_MESSAGE_SIZE', '64kb'),
    /** Messages a client may send per second; beyond, they are refused, and at twice as many the connection is closed. */
    messagesPerSecond: integer('REALTIME_MESSAGES_PER_SECOND', 50, 1, 100_000),
    /** How much may wait unsent to one client before it is dropped as a slow consumer. */
    maxBufferedBytes: size('REALTIME_MAX_BUFFER', '4mb'),
    /** The least time between two rounds of writes to the clients while events keep coming. */
    flushIntervalMs: duration('REALTIME_FLUSH_INTERVAL', '50ms', '20ms'),
  },
});
