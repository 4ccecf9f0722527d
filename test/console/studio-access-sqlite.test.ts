import { describeStudioAccess } from './access.scenario';

describeStudioAccess('sqlite');
