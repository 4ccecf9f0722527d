import { describeStudioImportExport } from './import-export.scenario';

describeStudioImportExport('sqlite');
