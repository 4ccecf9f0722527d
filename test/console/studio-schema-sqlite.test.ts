import { describeStudioSchema } from './schema.scenario';

describeStudioSchema('sqlite');
