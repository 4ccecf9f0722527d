import type { TemplateDefinition } from '../template.types';

const mine = { owner: { _eq: '$CURRENT_USER' } };

const readme = `# Todo

Each app user keeps their own lists of tasks; nobody else sees them.

## Collections

| collection | what it holds |
| --- | --- |
| \`lists\` | \`name\`, \`owner\`: the app user whose list it is, set by Cairn |
| \`tasks\` | \`title\`, \`done\`, \`due_on\`, \`priority\` (low, normal, high), \`list\`, \`owner\`, set by Cairn |

Deleting a list deletes its tasks.

## Who sees what

App users sign up and sign in at \`/w/{ws}/auth/register\` and \`/w/{ws}/auth/login\` (the
\`authenticated\` role). Every policy is filtered on \`owner = $CURRENT_USER\`:

- an app user reads, changes and deletes only their own lists and tasks: another user's answers 404;
- what they create is theirs: \`owner\` is set to them whatever the request says;
- a task can only be put in one of their own lists.

Anonymous callers see nothing. Members of the workspace see every list and task.

## Sample data

One list, *Getting started*, with three tasks. It belongs to no app user, so only members see it in
Cairn Studio; it shows the shape of the data.
`;

/** The todo app: lists and tasks per app user, each seeing only their own. */
export const todoTemplate: TemplateDefinition = {
  name: 'todo',
  title: 'Todo',
  description: 'Lists and tasks per app user: each app user sees and changes only their own.',
  readme,
  schema: {
    collections: [
      {
        collection: 'lists',
        primary_key: 'integer',
        note: 'An app user\'s task lists',
        fields: [
          { field: 'name', type: 'string', required: true },
          { field: 'owner', type: 'app_user', index: true },
        ],
      },
      {
        collection: 'tasks',
        primary_key: 'integer',
        note: 'The tasks of a list',
        fields: [
          { field: 'title', type: 'string', required: true },
          { field: 'done', type: 'boolean', default: false },
          { field: 'due_on', type: 'date' },
          { field: 'priority', type: 'enum', values: ['low', 'normal', 'high'], default: 'normal' },
          { field: 'list', type: 'integer', required: true },
          { field: 'owner', type: 'app_user', index: true },
        ],
      },
    ],
    relations: [{ collection: 'tasks', field: 'list', related_collection: 'lists', on_delete: 'CASCADE', one_field: 'tasks', junction: null }],
    policies: [
      { name: 'app users read their lists', role: 'authenticated', collection: 'lists', action: 'read', filter: mine },
      { name: 'app users make lists', role: 'authenticated', collection: 'lists', action: 'create', fields: ['name'], presets: { owner: '$CURRENT_USER' } },
      { name: 'app users rename their lists', role: 'authenticated', collection: 'lists', action: 'update', filter: mine, fields: ['name'] },
      { name: 'app users delete their lists', role: 'authenticated', collection: 'lists', action: 'delete', filter: mine },
      { name: 'app users read their tasks', role: 'authenticated', collection: 'tasks', action: 'read', filter: mine },
      { name: 'app users add tasks to their lists', role: 'authenticated', collection: 'tasks', action: 'create', filter: { list: mine }, fields: ['title', 'done', 'due_on', 'priority', 'list'], presets: { owner: '$CURRENT_USER' } },
      { name: 'app users change their tasks', role: 'authenticated', collection: 'tasks', action: 'update', filter: { _and: [mine, { list: mine }] }, fields: ['title', 'done', 'due_on', 'priority', 'list'] },
      { name: 'app users delete their tasks', role: 'authenticated', collection: 'tasks', action: 'delete', filter: mine },
    ],
  },
  sample: [
    { ref: 'start', collection: 'lists', data: { name: 'Getting started' } },
    { collection: 'tasks', data: { title: 'Register an app user', list: { $ref: 'start' }, priority: 'high' } },
    { collection: 'tasks', data: { title: 'Make a list of your own', list: { $ref: 'start' } } },
    { collection: 'tasks', data: { title: 'Tick this task off', list: { $ref: 'start' }, done: true, priority: 'low' } },
  ],
};
