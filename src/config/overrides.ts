// Per-path `overrides:` ([{ files, rules, targets }], like ESLint's overrides and Ruff's per-file-ignores). The
// engine runs once with the union of what any override may switch on; each finding is then judged by the settings
// in force for its path: the top-level ones, then every override whose `files` match, in order (later wins).
import { globMatcher } from '../cli/files.js';
import type { Finding, Severity, Target } from '../core/types.js';
import type { CozeLoopConfig } from './schema.js';

type RuleSetting = CozeLoopConfig['rules'][string];

function isOff(setting: RuleSetting | undefined): boolean {
  return setting === 'off' || (typeof setting === 'object' && setting.enabled === false);
}

/** The config the engine runs with: every target and rule some override can turn on is on. */
export function engineConfigFor(config: CozeLoopConfig): CozeLoopConfig {
  if (config.overrides.length === 0) return config;
  const targets = new Set<Target>(config.targets);
  const rules = { ...config.rules };
  for (const override of config.overrides) {
    for (const target of override.targets ?? []) targets.add(target);
    for (const [id, setting] of Object.entries(override.rules ?? {})) {
      if (!isOff(setting) && isOff(rules[id])) delete rules[id];
    }
  }
  return { ...config, targets: config.targets.length === targets.size ? config.targets : [...targets], rules };
}

function severityOf(setting: RuleSetting | undefined): Severity | undefined {
  if (setting === undefined || setting === 'on' || setting === 'off') return undefined;
  if (typeof setting === 'string') return setting;
  return setting.severity;
}

export interface OverrideOptions {
  /** Working directory the `files` globs are relative to. */
  cwd: string;
  /** `--target` on the command line wins over the overrides' `targets`. */
  fixedTargets?: boolean;
}

/** Keeps, drops or re-grades each finding by the settings in force for its path. */
export function applyPathOverrides(findings: Finding[], config: CozeLoopConfig, options: OverrideOptions): Finding[] {
  if (config.overrides.length === 0) return findings;
  const matchers = config.overrides.map((override) => globMatcher(override.files, options.cwd));
  const out: Finding[] = [];
  for (const finding of findings) {
    let targets: readonly Target[] = config.targets;
    let setting: RuleSetting | undefined = config.rules[finding.ruleId];
    // The engine already graded the finding under the top-level setting (confidence, an assumed count); only an
    // override's own setting re-grades it.
    let overridden = false;
    config.overrides.forEach((override, i) => {
      if (!matchers[i]!(finding.path)) return;
      if (override.targets && !options.fixedTargets) targets = override.targets;
      const own = override.rules?.[finding.ruleId];
      if (own !== undefined) {
        setting = own;
        overridden = true;
      }
    });
    if (!targets.includes(finding.target) || isOff(setting)) continue;
    const severity = overridden ? severityOf(setting) : undefined;
    out.push(severity && severity !== finding.severity ? { ...finding, severity } : finding);
  }
  return out;
}
