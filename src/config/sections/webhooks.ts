import ipaddr from 'ipaddr.js';
import { defineSection } from '../section';
import { Check, commaList, duration, durations, flag, matching, text } from '../variable';

/** Empty, or comma-separated IPv4/IPv6 addresses, each with an optional /prefix; ipaddr.js checks them further. */
const ADDRESS_LIST = /^$|^\s*[0-9a-f.:]+(\/\d{1,3})?\s*(,\s*[0-9a-f.:]+(\/\d{1,3})?\s*)*$/i;

const addresses: Check = (raw, name) => {
  const bad = commaList(raw).find((entry) => !(entry.includes('/') ? ipaddr.isValidCIDR(entry) : ipaddr.isValid(entry)));
  return bad === undefined ? undefined : `${name}: "${bad}" is not an address or a CIDR`;
};

/** How webhooks are sent. */
export const webhooks = defineSection({
  variables: {
    /** Whether this instance sends the outbox's deliveries (every instance may; each delivery is claimed once). */
    dispatch: flag('WEBHOOK_DISPATCH', true),
    /** How often the outbox is looked at when no change woke the dispatcher. */
    pollIntervalMs: duration('WEBHOOK_POLL_INTERVAL', '1s'),
    /** How long a receiver has to answer. */
    timeoutMs: duration('WEBHOOK_TIMEOUT', '10s'),
    /** The waits before the second, third, … attempt; after the last, a delivery has failed. */
    retrySchedule: durations('WEBHOOK_RETRY_SCHEDULE', '5s,5m,30m,2h,5h,10h,14h,20h,24h'),
    /** Addresses and CIDRs that webhooks may reach although they are not public (loopback, private). */
    allowedTargets: text('WEBHOOK_ALLOWED_TARGETS', '', matching(ADDRESS_LIST, 'must be a comma list of addresses or CIDRs such as 10.0.0.0/8,127.0.0.1'), addresses).to(commaList),
    /** How long the previous secret still signs after a rotation. */
    secretOverlapMs: duration('WEBHOOK_SECRET_OVERLAP', '24h'),
  },
});
