export { didYouMean, editDistance } from '../../core/index.js';
