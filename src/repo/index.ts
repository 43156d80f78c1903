export {
  applyIndexField,
  formatApkIndexText,
  formatIndexHeader,
  type IndexRecordLine,
  parseApkIndexText,
  sortForIndex,
  splitIndexRecords,
} from './apkindex-text.js';
