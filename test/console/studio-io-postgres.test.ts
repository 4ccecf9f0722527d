import { describeStudioImportExport } from './import-export.scenario';

describeStudioImportExport('postgres');
