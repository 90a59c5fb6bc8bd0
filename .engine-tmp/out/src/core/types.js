// The vocabulary every part of coze-loop shares. The core knows nothing of GitHub or GitLab.
export const TARGETS = ['optimize', 'readability', 'fix-bugs'];
export const SEVERITIES = ['info', 'warning', 'error'];
/** Severity order for thresholds: `info` < `warning` < `error`. */
export function severityRank(severity) {
    return SEVERITIES.indexOf(severity);
}
export const LANGUAGES = ['python', 'javascript', 'typescript', 'tsx'];
export const LOCALES = ['en', 'zh-CN'];
