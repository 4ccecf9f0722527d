// A reader of a blog made with Cairn's "blog" template, through the Directus SDK:
// an anonymous visitor lists the published posts with their cover and tags, then an app user
// signs up, signs in and comments on the newest post.
//
//   CAIRN_URL=http://localhost:3000 CAIRN_WORKSPACE=my-blog node examples/blog/index.mjs
import { randomBytes } from 'node:crypto';
import { authentication, createDirectus, createItem, customEndpoint, readItems, rest, updateItem } from '@directus/sdk';

const url = process.env.CAIRN_URL ?? 'http://localhost:3000';
const workspace = process.env.CAIRN_WORKSPACE;
if (!workspace) {
  console.error('Set CAIRN_WORKSPACE to the slug of a workspace made with the blog template.');
  process.exit(2);
}
// The workspace plane is what the SDK talks to, as it would talk to a Directus project.
const api = `${url.replace(/\/$/, '')}/api/v1/w/${workspace}`;

// 1. An anonymous visitor: only published posts exist for them.
const visitor = createDirectus(api).with(rest());
const posts = await visitor.request(
  readItems('posts', {
    fields: ['id', 'title', 'published_at', 'cover.id', 'cover.filename_download', 'tags.name'],
    filter: { status: { _eq: 'published' } },
    sort: ['-published_at'],
  }),
);
console.log(`${posts.length} published posts`);
for (const post of posts) {
  const tags = post.tags.map((tag) => tag.name).join(', ') || 'no tags';
  const cover = post.cover ? `cover ${post.cover.filename_download} at ${url}/api/v1/w/${workspace}/assets/${post.cover.id}` : 'no cover';
  console.log(`- ${post.title} [${tags}] (${cover})`);
}
if (posts.length === 0) process.exit(0);

// 2. An app user signs up (Cairn's route, called through the SDK's custom endpoint) and signs in.
const email = process.env.READER_EMAIL ?? `reader-${randomBytes(4).toString('hex')}@example.com`;
const password = process.env.READER_PASSWORD ?? `pw-${randomBytes(8).toString('hex')}`;
const reader = createDirectus(api).with(authentication('json', { autoRefresh: false })).with(rest());
if (!process.env.READER_EMAIL) {
  await reader.request(customEndpoint({ path: '/auth/register', method: 'POST', body: JSON.stringify({ email, password }) }));
}
await reader.login(email, password, { mode: 'json' });
console.log(`signed in as ${email}`);

// 3. They comment on the newest post; Cairn makes them the comment's author, and lets them edit only their own.
const newest = posts[0];
const comment = await reader.request(createItem('comments', { post: newest.id, body: 'Great read, thank you!' }));
const edited = await reader.request(updateItem('comments', comment.id, { body: 'Great read, thank you! (edited)' }));
console.log(`commented on "${newest.title}": ${edited.body}`);

const comments = await visitor.request(readItems('comments', { fields: ['body'], filter: { post: { _eq: newest.id } }, sort: ['id'] }));
console.log(`"${newest.title}" has ${comments.length} comment(s), readable by everybody`);
