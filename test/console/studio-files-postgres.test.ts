import { describeStudioFiles } from './files.scenario';

describeStudioFiles('postgres');
