import { describeStudioSso } from './sso.scenario';

describeStudioSso('postgres');
