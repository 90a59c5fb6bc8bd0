export { teardown as default } from './tmp-dir.global.js';
