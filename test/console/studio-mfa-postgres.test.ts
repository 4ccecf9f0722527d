import { describeStudioMfa } from './mfa.scenario';

describeStudioMfa('postgres');
