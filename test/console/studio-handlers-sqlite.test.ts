import { describeStudioHandlers } from './handlers.scenario';

describeStudioHandlers('sqlite');
