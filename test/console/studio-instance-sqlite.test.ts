import { describeStudioInstance } from './instance.scenario';

describeStudioInstance('sqlite');
