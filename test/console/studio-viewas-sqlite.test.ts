import { describeStudioViewAs } from './viewas.scenario';

describeStudioViewAs('sqlite');
