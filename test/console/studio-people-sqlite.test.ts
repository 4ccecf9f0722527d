import { describeStudioPeople } from './people.scenario';

describeStudioPeople('sqlite');
