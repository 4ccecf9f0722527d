import { describeStudioLive } from './live.scenario';

describeStudioLive('sqlite');
