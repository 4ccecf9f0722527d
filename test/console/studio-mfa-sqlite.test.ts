import { describeStudioMfa } from './mfa.scenario';

describeStudioMfa('sqlite');
