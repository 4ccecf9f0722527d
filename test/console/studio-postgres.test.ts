import { describeStudio } from './studio.scenario';

describeStudio('postgres');
