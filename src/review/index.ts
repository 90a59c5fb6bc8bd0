export { runReview, renderInlineComment, suggestionFlavor, type ReviewDeps, type ReviewOutcome } from './pipeline.js';
export { parseBotConfig, BOT_CONFIG_PATH } from './bot-config.js';
export { collectChangeSet, analyseChangeSet, mapLimit, type ReviewFile, type ChangeSet } from './collect.js';
export { placeFindings, commentRange } from './diff-filter.js';
export { compareFindings, assignKeys } from './rank.js';
export { renderSummary } from './summary.js';
export { buildStatus, conclusionFor, STATUS_NAME } from './status.js';
export { isVendoredOrGenerated } from './file-filter.js';
