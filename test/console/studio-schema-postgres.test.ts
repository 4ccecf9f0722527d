import { describeStudioSchema } from './schema.scenario';

describeStudioSchema('postgres');
