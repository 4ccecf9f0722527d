import { describeStudioSso } from './sso.scenario';

describeStudioSso('sqlite');
