// Types for bench/hostile-cases.js (shared by the benchmark and test/analysis/linear-regex.test.ts).
export interface FunctionCase {
  target: string;
  what: string;
  hostile(n: number): string;
  benign(n: number): string;
}
export interface FileCase {
  what: string;
  path: string;
  hostile(n: number): string;
  benign(n: number): string;
}
export const functionCases: FunctionCase[];
export const fileCases: FileCase[];
export const targetModules: Record<string, string>;
export function bindTargets(modules: Record<string, unknown>): Record<string, (text: string) => unknown>;
export function bestTime(fn: () => void, rounds?: number): number;
