import { describeStudioLive } from './live.scenario';

describeStudioLive('postgres');
