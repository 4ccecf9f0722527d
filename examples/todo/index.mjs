// Two users of a todo app made with Cairn's "todo" template, through the Directus SDK: each signs up,
// makes a list with tasks, and sees only their own; one cannot read or change the other's.
//
//   CAIRN_URL=http://localhost:3000 CAIRN_WORKSPACE=my-todo node examples/todo/index.mjs
import { randomBytes } from 'node:crypto';
import { authentication, createDirectus, createItem, customEndpoint, readItem, readItems, rest, updateItem } from '@directus/sdk';

const url = process.env.CAIRN_URL ?? 'http://localhost:3000';
const workspace = process.env.CAIRN_WORKSPACE;
if (!workspace) {
  console.error('Set CAIRN_WORKSPACE to the slug of a workspace made with the todo template.');
  process.exit(2);
}
const api = `${url.replace(/\/$/, '')}/api/v1/w/${workspace}`;

/** Signs a new app user up (Cairn's route, through the SDK's custom endpoint) and in. */
async function signUp(name) {
  const email = `${name}-${randomBytes(4).toString('hex')}@example.com`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const client = createDirectus(api).with(authentication('json', { autoRefresh: false })).with(rest());
  await client.request(customEndpoint({ path: '/auth/register', method: 'POST', body: JSON.stringify({ email, password }) }));
  await client.login(email, password, { mode: 'json' });
  return { name, client };
}

/** Makes a list with its tasks, the tasks nested in the list's create: one request, one transaction. */
async function makeList({ client }, name, titles) {
  return client.request(createItem('lists', { name, tasks: titles.map((title) => ({ title })) }));
}

const alice = await signUp('alice');
const bob = await signUp('bob');
const groceries = await makeList(alice, 'Groceries', ['Milk', 'Bread']);
await makeList(alice, 'Work', ['Write the report']);
await makeList(bob, 'Garden', ['Mow the lawn', 'Water the roses', 'Fix the fence']);

const [milk] = await alice.client.request(readItems('tasks', { filter: { title: { _eq: 'Milk' } }, fields: ['id'] }));
await alice.client.request(updateItem('tasks', milk.id, { done: true }));

for (const user of [alice, bob]) {
  const lists = await user.client.request(readItems('lists', { fields: ['name', 'tasks.title', 'tasks.done'], sort: ['id'], deep: { tasks: { _sort: ['id'] } } }));
  console.log(`${user.name} sees ${lists.length} list(s):`);
  for (const list of lists) {
    console.log(`- ${list.name}: ${list.tasks.map((task) => `${task.done ? '[x]' : '[ ]'} ${task.title}`).join(', ')}`);
  }
}

// Bob cannot read Alice's list, nor put a task in it: for him it does not exist.
for (const [what, attempt] of [
  ['read', () => bob.client.request(readItem('lists', groceries.id))],
  ['add a task to', () => bob.client.request(createItem('tasks', { title: 'Sneaky', list: groceries.id }))],
]) {
  try {
    await attempt();
    console.log(`bob could ${what} alice's list`);
  } catch (error) {
    const code = error?.errors?.[0]?.extensions?.code ?? 'ERROR';
    console.log(`bob cannot ${what} alice's list (${code})`);
  }
}
