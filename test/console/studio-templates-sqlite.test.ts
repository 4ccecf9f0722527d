import { describeStudioTemplates } from './templates.scenario';

describeStudioTemplates('sqlite');
