import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders headings, tables and code spans', () => {
    const html = renderMarkdown('# Blog\n\n| a | b |\n| --- | --- |\n| `x` | y |\n');
    expect(html).toContain('<h1>Blog</h1>');
    expect(html).toContain('<table>');
    expect(html).toContain('<code>x</code>');
  });

  it('shows raw HTML as text instead of keeping it', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script>\n\n<img src=x onerror="alert(1)">');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;script&#62;');
  });

  it('keeps web and relative links, and drops the address of a javascript: or data: one', () => {
    expect(renderMarkdown('[docs](https://example.com/a)')).toContain('<a href="https://example.com/a" target="_blank" rel="noopener noreferrer">docs</a>');
    expect(renderMarkdown('[here](/admin/workspaces)')).toContain('<a href="/admin/workspaces">here</a>');
    const unsafe = renderMarkdown('[click](javascript:alert(1)) ![x](data:image/svg+xml;base64,AAAA)');
    expect(unsafe).not.toContain('javascript:');
    expect(unsafe).not.toContain('data:');
    expect(unsafe).toContain('click');
  });
});
