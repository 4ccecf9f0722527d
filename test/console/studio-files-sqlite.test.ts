import { describeStudioFiles } from './files.scenario';

describeStudioFiles('sqlite');
