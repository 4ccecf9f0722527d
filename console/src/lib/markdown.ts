import { Marked, type Tokens } from 'marked';

/** Addresses a link or image may have: the web, mail, and paths of this site; never `javascript:` or `data:`. */
const SAFE_URL = /^(https?:\/\/|mailto:|\/|#|\.{0,2}\/)/i;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Markdown rendered safely: marked escapes the text itself; here raw HTML in the source is shown as
 * text rather than kept, and a link or image whose address is not of a safe kind is shown as its text.
 */
const markdown = new Marked({
  gfm: true,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(token.text);
    },
    link(token: Tokens.Link) {
      const text = this.parser.parseInline(token.tokens);
      if (!SAFE_URL.test(token.href)) return text;
      const external = /^https?:/i.test(token.href);
      return `<a href="${escapeHtml(token.href)}"${external ? ' target="_blank" rel="noopener noreferrer"' : ''}>${text}</a>`;
    },
    image(token: Tokens.Image) {
      if (!SAFE_URL.test(token.href)) return escapeHtml(token.text);
      return `<img src="${escapeHtml(token.href)}" alt="${escapeHtml(token.text)}">`;
    },
  },
});

/** The HTML of a Markdown source, safe to put in the page. */
export function renderMarkdown(source: string): string {
  return markdown.parse(source, { async: false });
}
