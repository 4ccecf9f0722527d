/**
 * A browser as single sign-on meets it: it follows redirects one at a time and keeps each site's
 * cookies, so the provider's session cookies and Cairn's flow cookie travel as they would. `reach` maps
 * an address the app announces (its PUBLIC_URL) to where the test instance listens.
 */
export class TestBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  constructor(private readonly reach: (url: string) => string) {}

  /** One request, redirects not followed; its cookies kept. */
  async get(address: string): Promise<Response> {
    const url = new URL(this.reach(address));
    const jar = this.jars.get(url.host) ?? new Map<string, string>();
    this.jars.set(url.host, jar);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute) || (/^\s*expires=/i.test(attribute) && Date.parse(attribute.split('=')[1]) < Date.now()));
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }

  /** Follows redirects from `address` until one points where `stop` says; answers that address, not requested. */
  async followUntil(address: string, stop: (url: URL) => boolean): Promise<URL> {
    let next = address;
    for (let hop = 0; hop < 20; hop += 1) {
      const response = await this.get(next);
      const location = response.headers.get('location');
      if (!location || response.status < 300 || response.status >= 400) {
        throw new Error(`${next} answered ${response.status} before the expected redirect: ${await response.text()}`);
      }
      const target = new URL(location, this.reach(next));
      if (stop(target)) return target;
      next = target.href;
    }
    throw new Error(`too many redirects from ${address}`);
  }
}
