export { indexed, isObj, isStr, list, type Obj, obj, opt, optNum, optStr, strMap } from '../../core/index.js';
