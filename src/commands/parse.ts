// `/coze-loop <action> [path[:line]]` in a comment. Quoted lines and code blocks are someone talking about the
// command, not running it.
import { TARGETS, type Target } from '../core/types.js';

export interface ParsedCommand {
  action: Target | 'help' | 'summary';
  path?: string;
  line?: number;
}

const COMMAND_LINE = /^ {0,3}\/coze-loop(?![\w-])(?:[ \t]+(\S+))?(?:[ \t]+(\S+))?/i;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ACTIONS: readonly string[] = [...TARGETS, 'help', 'summary'];

function parseLocation(token: string | undefined): Pick<ParsedCommand, 'path' | 'line'> {
  if (!token) return {};
  const match = /^(.+?)(?::(\d+))?$/.exec(token.replace(/^`|`$/g, ''));
  // A path has a slash or an extension; anything else is prose after the command.
  if (!match || !/[/.]/.test(match[1]!)) return {};
  const path = match[1]!.replace(/^\.\//, '');
  if (path.split('/').includes('..')) return {};
  return match[2] ? { path, line: Number(match[2]) } : { path };
}

/** The first command in the comment, or null when there is none. An unknown action asks for help. */
export function parseCommand(body: string): ParsedCommand | null {
  let fence: string | null = null;
  for (const line of body.split(/\r?\n/)) {
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      const marks = fenceMatch[1]!;
      if (fence === null) fence = marks;
      else if (marks[0] === fence[0] && marks.length >= fence.length) fence = null;
      continue;
    }
    if (fence !== null || /^\s*>/.test(line)) continue;
    const match = COMMAND_LINE.exec(line);
    if (!match) continue;
    const action = (match[1] ?? 'help').toLowerCase();
    if (!ACTIONS.includes(action)) return { action: 'help' };
    return { action: action as ParsedCommand['action'], ...(action === 'help' || action === 'summary' ? {} : parseLocation(match[2])) };
  }
  return null;
}
