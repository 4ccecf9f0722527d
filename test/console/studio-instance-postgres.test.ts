import { describeStudioInstance } from './instance.scenario';

describeStudioInstance('postgres');
