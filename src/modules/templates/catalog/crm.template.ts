import type { TemplateDefinition } from '../template.types';

const ownClient = { account: { _eq: '$CURRENT_USER' } };
const assignedToMe = { assignee: { account: { _eq: '$CURRENT_USER' } } };

const readme = `# CRM

Clients, the employees who work for them, their projects and the projects' tasks.

## Collections

| collection | what it holds |
| --- | --- |
| \`clients\` | a client: \`code\` (\`CLI-0001\`, made by Cairn), \`name\`, \`email\`, \`status\` (lead, active, inactive), \`account\`: the app user who signs in as this client |
| \`employees\` | an employee: \`code\` (\`EMP-0001\`), \`name\`, \`email\`, \`job_title\`, \`account\`: the app user who signs in as this employee |
| \`projects\` | a client's project: \`code\` (\`PRJ-0001\`), \`name\`, \`client\`, \`status\` (planned, active, on_hold, done), \`starts_on\`, \`due_on\`, \`budget\` |
| \`tasks\` | a project's task: \`code\` (\`TSK-0001\`), \`title\`, \`description\`, \`project\`, \`assignee\` (an employee), \`status\` (todo, in_progress, review, done), \`priority\` (low, medium, high, urgent), \`due_on\` |

Codes are **autocode** fields: Cairn draws the next number from a counter in the write's
transaction, so two clients created at the same moment never get the same code. Status and
priority are **enum** fields: any other value is refused with 400.

Deleting a client deletes its projects, and deleting a project deletes its tasks (\`CASCADE\`).
Deleting an employee leaves their tasks unassigned.

## Who sees what

Members of the workspace (owners, admins, editors) see and change everything. The people of the
app sign in as **app users** (\`POST /w/{ws}/auth/register\` or created by an admin under *App users*)
and act through two app roles:

- **employee**: reads their own \`employees\` row, the tasks assigned to them and the projects those
  tasks belong to; changes the \`status\` and \`description\` of their tasks.
- **client**: reads their own \`clients\` row, their projects and those projects' tasks (without the
  description).

To let someone in: create their app user with the role \`employee\` or \`client\` (or change the role
of an existing one), then set the \`account\` field of their \`employees\` or \`clients\` row to that app
user. Until then they see nothing.

## Sample data

Three clients, three employees, four projects and their tasks, none linked to an app user.
`;

/** The CRM: clients, employees, projects, tasks; codes, enums, cascades, and app roles for employees and clients. */
export const crmTemplate: TemplateDefinition = {
  name: 'crm',
  title: 'CRM',
  description: 'Clients, employees, projects and tasks, with codes like CLI-0001, statuses and priorities, and app roles so employees see their tasks and clients their projects.',
  readme,
  schema: {
    collections: [
      {
        collection: 'clients',
        primary_key: 'integer',
        note: 'The companies and people we work for',
        fields: [
          { field: 'code', type: 'autocode', autocode: { prefix: 'CLI-', padding: 4 } },
          { field: 'name', type: 'string', required: true },
          { field: 'email', type: 'string', validation: { email: true } },
          { field: 'status', type: 'enum', values: ['lead', 'active', 'inactive'], default: 'lead' },
          { field: 'account', type: 'app_user', note: 'The app user who signs in as this client' },
        ],
      },
      {
        collection: 'employees',
        primary_key: 'integer',
        note: 'The people who work on projects',
        fields: [
          { field: 'code', type: 'autocode', autocode: { prefix: 'EMP-', padding: 4 } },
          { field: 'name', type: 'string', required: true },
          { field: 'email', type: 'string', validation: { email: true } },
          { field: 'job_title', type: 'string' },
          { field: 'account', type: 'app_user', note: 'The app user who signs in as this employee' },
        ],
      },
      {
        collection: 'projects',
        primary_key: 'integer',
        note: 'A client\'s projects',
        fields: [
          { field: 'code', type: 'autocode', autocode: { prefix: 'PRJ-', padding: 4 } },
          { field: 'name', type: 'string', required: true },
          { field: 'client', type: 'integer', required: true },
          { field: 'status', type: 'enum', values: ['planned', 'active', 'on_hold', 'done'], default: 'planned' },
          { field: 'starts_on', type: 'date' },
          { field: 'due_on', type: 'date' },
          { field: 'budget', type: 'decimal', precision: 12, scale: 2 },
        ],
      },
      {
        collection: 'tasks',
        primary_key: 'integer',
        note: 'A project\'s tasks',
        fields: [
          { field: 'code', type: 'autocode', autocode: { prefix: 'TSK-', padding: 4 } },
          { field: 'title', type: 'string', required: true },
          { field: 'description', type: 'text' },
          { field: 'project', type: 'integer', required: true },
          { field: 'assignee', type: 'integer' },
          { field: 'status', type: 'enum', values: ['todo', 'in_progress', 'review', 'done'], default: 'todo' },
          { field: 'priority', type: 'enum', values: ['low', 'medium', 'high', 'urgent'], default: 'medium' },
          { field: 'due_on', type: 'date' },
        ],
      },
    ],
    relations: [
      { collection: 'projects', field: 'client', related_collection: 'clients', on_delete: 'CASCADE', one_field: 'projects', junction: null },
      { collection: 'tasks', field: 'project', related_collection: 'projects', on_delete: 'CASCADE', one_field: 'tasks', junction: null },
      { collection: 'tasks', field: 'assignee', related_collection: 'employees', on_delete: 'SET NULL', one_field: 'tasks', junction: null },
    ],
    roles: [
      { name: 'employee', description: 'Employees: see and work on the tasks assigned to them' },
      { name: 'client', description: 'Clients: see their own projects and how they progress' },
    ],
    policies: [
      { name: 'employees see themselves', role: 'employee', collection: 'employees', action: 'read', filter: { account: { _eq: '$CURRENT_USER' } } },
      { name: 'employees see their tasks', role: 'employee', collection: 'tasks', action: 'read', filter: assignedToMe },
      { name: 'employees work on their tasks', role: 'employee', collection: 'tasks', action: 'update', filter: assignedToMe, fields: ['status', 'description'] },
      { name: 'employees see the projects of their tasks', role: 'employee', collection: 'projects', action: 'read', filter: { tasks: { _some: assignedToMe } }, fields: ['id', 'code', 'name', 'status', 'starts_on', 'due_on',] },
      { name: 'clients see themselves', role: 'client', collection: 'clients', action: 'read', filter: ownClient },
      { name: 'clients see their projects', role: 'client', collection: 'projects', action: 'read', filter: { client: ownClient } },
      { name: 'clients follow their tasks', role: 'client', collection: 'tasks', action: 'read', filter: { project: { client: ownClient } }, fields: ['id', 'code', 'title', 'project', 'status', 'priority', 'due_on'] },
    ],
  },
  sample: [
    { ref: 'northwind', collection: 'clients', data: { name: 'Northwind Traders', email: 'hello@northwind.example', status: 'active' } },
    { ref: 'contoso', collection: 'clients', data: { name: 'Contoso Ltd', email: 'office@contoso.example', status: 'active' } },
    { collection: 'clients', data: { name: 'Fabrikam', email: 'info@fabrikam.example', status: 'lead' } },
    { ref: 'maya', collection: 'employees', data: { name: 'Maya Lopez', email: 'maya@crm.example', job_title: 'Project manager' } },
    { ref: 'tom', collection: 'employees', data: { name: 'Tom Becker', email: 'tom@crm.example', job_title: 'Developer' } },
    { ref: 'ines', collection: 'employees', data: { name: 'Ines Duarte', email: 'ines@crm.example', job_title: 'Designer' } },
    { ref: 'shop', collection: 'projects', data: { name: 'Online shop', client: { $ref: 'northwind' }, status: 'active', starts_on: '2026-01-12', due_on: '2026-06-30', budget: '48000.00' } },
    { ref: 'catalog', collection: 'projects', data: { name: 'Print catalogue', client: { $ref: 'northwind' }, status: 'planned', due_on: '2026-09-01', budget: '12000.00' } },
    { ref: 'intranet', collection: 'projects', data: { name: 'Intranet', client: { $ref: 'contoso' }, status: 'active', starts_on: '2026-02-02', budget: '30000.00' } },
    { collection: 'projects', data: { name: 'Brand refresh', client: { $ref: 'contoso' }, status: 'done', starts_on: '2025-09-01', due_on: '2025-12-15', budget: '9000.00' } },
    { collection: 'tasks', data: { title: 'Wireframes of the checkout', project: { $ref: 'shop' }, assignee: { $ref: 'ines' }, status: 'done', priority: 'high' } },
    { collection: 'tasks', data: { title: 'Payment provider integration', project: { $ref: 'shop' }, assignee: { $ref: 'tom' }, status: 'in_progress', priority: 'urgent', due_on: '2026-04-30' } },
    { collection: 'tasks', data: { title: 'Launch plan', project: { $ref: 'shop' }, assignee: { $ref: 'maya' }, status: 'todo', priority: 'medium' } },
    { collection: 'tasks', data: { title: 'Collect product photos', project: { $ref: 'catalog' }, assignee: { $ref: 'ines' }, status: 'todo', priority: 'low' } },
    { collection: 'tasks', data: { title: 'Single sign-on for staff', project: { $ref: 'intranet' }, assignee: { $ref: 'tom' }, status: 'review', priority: 'high' } },
    { collection: 'tasks', data: { title: 'Kick-off meeting', project: { $ref: 'intranet' }, assignee: { $ref: 'maya' }, status: 'done', priority: 'medium' } },
  ],
};
