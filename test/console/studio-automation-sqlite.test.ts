import { describeStudioAutomation } from './automation.scenario';

describeStudioAutomation('sqlite');
