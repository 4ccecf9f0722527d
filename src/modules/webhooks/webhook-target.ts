import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../../common/errors/app-error';

/**
 * Which addresses a webhook may reach. Anything but a public unicast address (loopback, private,
 * link-local with the cloud metadata address, carrier-grade NAT, multicast, reserved, unspecified) is
 * refused, in every spelling: IPv4-mapped IPv6 (`::ffff:127.0.0.1`), decimal (`2130706433`) and octal
 * (`0177.0.0.1`) IPv4 are normalised by ipaddr.js before the range is checked. A URL naming such an address,
 * or `localhost`, is refused when it is saved; other names are checked when the request is made, on every
 * address they resolve to, and the connection goes to the address that was checked, so a name cannot be
 * re-pointed between the check and the connection. Every refusal names WEBHOOK_ALLOWED_TARGETS and the
 * address to add to it.
 */
export class WebhookTargetPolicy {
  private readonly allowed: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

  /** allowList: CIDRs or addresses (WEBHOOK_ALLOWED_TARGETS) that may be reached although not public. */
  constructor(allowList: readonly string[]) {
    this.allowed = allowList.map((entry) => (entry.includes('/') ? ipaddr.parseCIDR(entry) : toCidr(ipaddr.process(entry))));
  }

  /** Refuses a URL that cannot be a webhook target at all (scheme, credentials), before any lookup. */
  checkUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw targetRefused('The webhook URL is not a valid URL.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw targetRefused('A webhook URL must be http or https.');
    if (url.username || url.password) throw targetRefused('A webhook URL may not hold credentials; use headers.');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIpLiteral(host)) this.checkAddress(host);
    else if (isLocalhost(host) && !LOOPBACK.some((address) => this.allows(address))) {
      throw targetRefused(
        `The webhook target ${host} is a loopback name; only public addresses may be reached. ` +
          `To allow it, add 127.0.0.1 (and ::1, if ${host} resolves to it) to WEBHOOK_ALLOWED_TARGETS.`,
      );
    }
    return url;
  }

  /** Refuses an address outside the public unicast range, unless allow-listed; `name` is the host name it was found for. */
  checkAddress(address: string, name?: string): void {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.process(address);
    } catch {
      throw targetRefused(`"${address}" is not an address.`);
    }
    if (parsed.range() === 'unicast' || this.allows(parsed)) return;
    const target = name === undefined ? `The webhook target ${parsed.toString()} is` : `The webhook target ${name} resolves to ${parsed.toString()},`;
    throw targetRefused(
      `${target} a ${parsed.range()} address; only public addresses may be reached. To allow it, add ${parsed.toString()} to WEBHOOK_ALLOWED_TARGETS.`,
    );
  }

  private allows(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    return this.allowed.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  }

  /** A DNS lookup for http.request that checks every address a name resolves to before connecting. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      try {
        for (const { address } of addresses) this.checkAddress(address, hostname);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** The addresses `localhost` stands for. */
const LOOPBACK = [ipaddr.parse('127.0.0.1'), ipaddr.parse('::1')];

/** `localhost` and its subdomains, which resolvers answer with loopback addresses without asking DNS (RFC 6761). */
function isLocalhost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function toCidr(address: ipaddr.IPv4 | ipaddr.IPv6): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/** Whether a host is an IP address in any spelling ipaddr.js accepts, decimal and octal IPv4 included. */
function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host) || /^(0x[0-9a-f]+|\d+)$/i.test(host);
}

export function targetRefused(message: string): AppError {
  return new AppError('INVALID_PAYLOAD', message, { field: 'url' });
}
