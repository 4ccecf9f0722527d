import { describeStudio } from './studio.scenario';

describeStudio('sqlite');
