import { describeStudioViewAs } from './viewas.scenario';

describeStudioViewAs('postgres');
