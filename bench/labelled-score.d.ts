// Types of bench/labelled-score.js (plain ESM so that bench/recall.js runs without a build).
export interface Label {
  path: string;
  line: number;
  expect: string[];
  allow: string[];
}

export interface ScoredFinding {
  ruleId: string;
  path: string;
  line: number;
  message: string;
  loop?: { startLine: number };
}

export interface ScoreRow {
  name: string;
  expected: number;
  found: number;
  unexpected: number;
  recall: number | null;
  precision: number | null;
}

export interface Score {
  loops: number;
  clean: number;
  quietClean: number;
  total: ScoreRow;
  rules: ScoreRow[];
  languages: ScoreRow[];
  misses: { path: string; line: number; ruleId: string }[];
  unexpected: { path: string; line: number; ruleId: string; labelled: boolean; message: string }[];
}

export function corpusFiles(root: string): string[];
export function languageOf(path: string): string;
export function readLabels(root: string): Label[];
export function score(labels: Label[], findings: readonly ScoredFinding[]): Score;
