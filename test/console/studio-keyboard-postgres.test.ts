import { describeKeyboard } from './keyboard.scenario';

describeKeyboard('postgres');
