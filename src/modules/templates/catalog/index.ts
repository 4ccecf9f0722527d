import type { TemplateDefinition } from '../template.types';
import { blogTemplate } from './blog.template';
import { crmTemplate } from './crm.template';
import { todoTemplate } from './todo.template';

/** Every template Cairn ships, in the order the console offers them. */
export const TEMPLATE_CATALOG: readonly TemplateDefinition[] = [crmTemplate, blogTemplate, todoTemplate];
