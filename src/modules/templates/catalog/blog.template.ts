import type { TemplatePolicy, TemplateDefinition } from '../template.types';

const published = { status: { _eq: 'published' } };
const mine = { author: { _eq: '$CURRENT_USER' } };

/** What readers, signed in or not, may read: published posts with their authors, tags and comments. */
function readerPolicies(role: 'public' | 'authenticated'): TemplatePolicy[] {
  const who = role === 'public' ? 'everybody' : 'app users';
  return [
    { name: `${who} read published posts`, role, collection: 'posts', action: 'read', filter: published, fields: ['id', 'title', 'slug', 'excerpt', 'body', 'status', 'published_at', 'cover', 'author'] },
    { name: `${who} read authors`, role, collection: 'authors', action: 'read', fields: ['id', 'name', 'bio'] },
    { name: `${who} read tags`, role, collection: 'tags', action: 'read' },
    // Unfiltered: a many-to-many is readable only through a junction the role reads whole. Its rows are two keys each.
    { name: `${who} read the links of posts and tags`, role, collection: 'posts_tags', action: 'read' },
    { name: `${who} read comments on published posts`, role, collection: 'comments', action: 'read', filter: { post: published }, fields: ['id', 'body', 'post', 'author', 'created_at'] },
  ];
}

const readme = `# Blog

Authors write posts with a cover image and tags; anybody reads the published posts; the app's
signed-in users comment on them.

## Collections

| collection | what it holds |
| --- | --- |
| \`authors\` | \`name\`, \`bio\`, \`email\` (the email is not public) |
| \`posts\` | \`title\`, \`slug\` (unique), \`excerpt\`, \`body\` (Markdown), \`status\` (draft, published), \`published_at\`, \`cover\` (a file), \`author\`, \`tags\` |
| \`tags\` | \`name\` and \`slug\`, both unique; posts and tags are many-to-many through \`posts_tags\` |
| \`comments\` | \`body\`, \`post\`, \`author\`: the app user who wrote it, set by Cairn |

Deleting a post deletes its comments and its tag links; deleting an author leaves their posts without one.

## Who sees what

- **Everybody** (no sign-in, the \`public\` role) reads published posts, with their cover
  (\`fields=*,cover.*\`, and the image at \`/assets/{cover}\`), author, tags and comments. Drafts do not
  exist for them: a draft answers 404 and is never counted.
- **App users** (the \`authenticated\` role, after \`POST /w/{ws}/auth/register\` or \`/auth/login\`) read
  the same, write comments on posts, and change or delete only their own comments. A comment's
  \`author\` is always the app user who wrote it, whatever the request says.
- **Members** of the workspace write the posts, in Cairn Studio or through the API.

Upload a cover with \`POST /w/{ws}/files\` (multipart: \`file\`, and \`collection=posts\`, \`item\`,
\`field=cover\` to set it on a post in the same request).

## Sample data

Two authors, three tags and three posts, two of them published; no comments (those come from app users).
`;

/** The blog: authors, posts with covers and tags, comments by app users; published posts are public. */
export const blogTemplate: TemplateDefinition = {
  name: 'blog',
  title: 'Blog',
  description: 'Authors, posts with cover images and tags, and comments: published posts are public, and signed-in app users comment.',
  readme,
  schema: {
    collections: [
      {
        collection: 'authors',
        primary_key: 'integer',
        note: 'The people who write the posts',
        fields: [
          { field: 'name', type: 'string', required: true },
          { field: 'bio', type: 'text' },
          { field: 'email', type: 'string', validation: { email: true } },
        ],
      },
      {
        collection: 'posts',
        primary_key: 'integer',
        note: 'Blog posts: drafts are private, published posts public',
        fields: [
          { field: 'title', type: 'string', required: true },
          { field: 'slug', type: 'string', unique: true },
          { field: 'excerpt', type: 'text' },
          { field: 'body', type: 'text' },
          { field: 'status', type: 'enum', values: ['draft', 'published'], default: 'draft', index: true },
          { field: 'published_at', type: 'datetime' },
          { field: 'cover', type: 'file' },
          { field: 'author', type: 'integer' },
        ],
      },
      {
        collection: 'tags',
        primary_key: 'integer',
        note: null,
        fields: [
          { field: 'name', type: 'string', required: true, unique: true },
          { field: 'slug', type: 'string', unique: true },
        ],
      },
      {
        collection: 'posts_tags',
        primary_key: 'integer',
        note: 'Junction of posts.tags',
        fields: [
          { field: 'posts_id', type: 'integer' },
          { field: 'tags_id', type: 'integer' },
        ],
      },
      {
        collection: 'comments',
        primary_key: 'integer',
        note: 'Comments of app users on posts',
        fields: [
          { field: 'body', type: 'text', required: true, validation: { min_length: 1, max_length: 5000 } },
          { field: 'post', type: 'integer', required: true },
          { field: 'author', type: 'app_user' },
        ],
      },
    ],
    relations: [
      { collection: 'posts', field: 'author', related_collection: 'authors', on_delete: 'SET NULL', one_field: 'posts', junction: null },
      { collection: 'posts_tags', field: 'posts_id', related_collection: 'posts', on_delete: 'CASCADE', one_field: null, junction: { other_field: 'tags_id', alias: 'tags' } },
      { collection: 'posts_tags', field: 'tags_id', related_collection: 'tags', on_delete: 'CASCADE', one_field: null, junction: { other_field: 'posts_id', alias: 'posts' } },
      { collection: 'comments', field: 'post', related_collection: 'posts', on_delete: 'CASCADE', one_field: 'comments', junction: null },
    ],
    policies: [
      ...readerPolicies('public'),
      ...readerPolicies('authenticated'),
      { name: 'app users comment', role: 'authenticated', collection: 'comments', action: 'create', fields: ['body', 'post'], presets: { author: '$CURRENT_USER' } },
      { name: 'app users edit their comments', role: 'authenticated', collection: 'comments', action: 'update', filter: mine, fields: ['body'] },
      { name: 'app users delete their comments', role: 'authenticated', collection: 'comments', action: 'delete', filter: mine },
    ],
  },
  sample: [
    { ref: 'ada', collection: 'authors', data: { name: 'Ada Byron', bio: 'Writes about engines, old and new.', email: 'ada@blog.example' } },
    { ref: 'grace', collection: 'authors', data: { name: 'Grace Hopper', bio: 'Finds the bugs.', email: 'grace@blog.example' } },
    { ref: 'news', collection: 'tags', data: { name: 'News', slug: 'news' } },
    { ref: 'howto', collection: 'tags', data: { name: 'How-to', slug: 'how-to' } },
    { ref: 'opinion', collection: 'tags', data: { name: 'Opinion', slug: 'opinion' } },
    {
      collection: 'posts',
      data: {
        title: 'Hello, world',
        slug: 'hello-world',
        excerpt: 'The first post of this blog.',
        body: 'Welcome! This post was published by the **blog** template.',
        status: 'published',
        published_at: '2026-01-05T09:00:00.000Z',
        author: { $ref: 'ada' },
        tags: [{ $ref: 'news' }],
      },
    },
    {
      collection: 'posts',
      data: {
        title: 'Five tips for better bug reports',
        slug: 'better-bug-reports',
        excerpt: 'What to write so that a bug gets fixed.',
        body: '1. Say what you did.\n2. Say what you expected.\n3. Say what happened instead.\n4. Say where.\n5. Say when.',
        status: 'published',
        published_at: '2026-02-10T14:30:00.000Z',
        author: { $ref: 'grace' },
        tags: [{ $ref: 'howto' }, { $ref: 'opinion' }],
      },
    },
    {
      collection: 'posts',
      data: { title: 'Plans for next year', slug: 'plans', excerpt: 'Not ready yet.', body: 'A draft: only members see it.', status: 'draft', author: { $ref: 'ada' }, tags: [{ $ref: 'opinion' }] },
    },
  ],
};
