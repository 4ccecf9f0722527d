import { describeStudioAutomation } from './automation.scenario';

describeStudioAutomation('postgres');
