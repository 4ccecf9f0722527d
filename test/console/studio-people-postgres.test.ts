import { describeStudioPeople } from './people.scenario';

describeStudioPeople('postgres');
