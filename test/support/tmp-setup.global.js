export { setup as default } from './tmp-dir.global.js';
