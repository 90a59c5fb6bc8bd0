// The cost model: formulas, assumptions with their sources, number formatting and Markdown rendering.
export { formatDuration, formatMoney, formatNumber } from './format.js';
export { renderCost, renderCostInline } from './render.js';
export { BUILT_IN_DEFAULTS, CONFIG_UNITS, fromCode, fromCodeOrConfig, fromConfig, fromDefault, uniqueAssumptions, } from './assumptions.js';
export { DAYS_PER_MONTH, SECONDS_PER_DAY, SECONDS_PER_HOUR, commitsCost, comparisonsCost, connectionsCost, idlePollingCost, monthlyFromCalls, monthlyFromCoreSeconds, quadraticCopyCost, repeatedWorkCost, roundTripsCost, rowsReadCost, runsPerDay, serialWallTimeCost, } from './model.js';
