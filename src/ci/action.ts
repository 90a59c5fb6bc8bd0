// The GitHub Action's entry point (action.yml runs bin/coze-loop-action.js from the action's own checkout): turns the
// step's inputs into `coze-loop review` flags and runs the review. Inputs arrive as INPUT_<NAME> environment
// variables, as GitHub passes them to JavaScript actions (`INPUT_FAIL-ON`) or as action.yml spells them for this
// composite action (`INPUT_FAIL_ON`). Outputs are written by the review itself (src/ci/outputs.ts).
import type { CliIO } from '../cli/io.js';

/** Input name -> review flag; `dry-run` is a switch. */
const VALUE_INPUTS: Record<string, string> = {
  target: '--target',
  'fail-on': '--fail-on',
  config: '--config',
  sarif: '--sarif',
  locale: '--locale',
  base: '--base',
};

export function actionInput(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const upper = name.toUpperCase();
  const value = env[`INPUT_${upper}`] ?? env[`INPUT_${upper.replace(/-/g, '_')}`];
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(?:true|yes|1|on)$/i.test(value);
}

/** The `coze-loop review` argv the inputs stand for. Empty inputs mean "the config's value". */
export function reviewArgvFromInputs(env: NodeJS.ProcessEnv): string[] {
  const argv: string[] = [];
  for (const [input, flag] of Object.entries(VALUE_INPUTS)) {
    const value = actionInput(env, input);
    if (value !== undefined) argv.push(`${flag}=${value}`);
  }
  if (truthy(actionInput(env, 'dry-run'))) argv.push('--dry-run');
  return argv;
}

export async function runAction(io: CliIO): Promise<number> {
  const { run } = await import('./cli.js');
  // An empty `github-token` input must not hide a GITHUB_TOKEN the workflow set itself.
  const env = { ...io.env };
  if (!env.GITHUB_TOKEN && env.INPUT_GITHUB_TOKEN) env.GITHUB_TOKEN = env.INPUT_GITHUB_TOKEN;
  return run(reviewArgvFromInputs(env), { ...io, env });
}
