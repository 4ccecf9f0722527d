import { describeStudioTemplates } from './templates.scenario';

describeStudioTemplates('postgres');
