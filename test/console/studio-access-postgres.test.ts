import { describeStudioAccess } from './access.scenario';

describeStudioAccess('postgres');
