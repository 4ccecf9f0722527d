import { describeKeyboard } from './keyboard.scenario';

describeKeyboard('sqlite');
