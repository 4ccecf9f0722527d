import { describeStudioHandlers } from './handlers.scenario';

describeStudioHandlers('postgres');
