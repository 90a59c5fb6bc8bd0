// Guesses the language of a pasted snippet for the playground (the page shows the guess and lets the person
// override it; the API uses it when the request names no language). Shared by the server and the page bundle, so it
// imports nothing. Every pattern is anchored or bounded per line: linear time on any input.

export const PLAYGROUND_LANGUAGES = ['python', 'javascript', 'typescript'] as const;
export type PlaygroundLanguage = (typeof PLAYGROUND_LANGUAGES)[number];

/** File name the engine analyses a snippet under: its extension picks the grammar. */
export function snippetPath(language: PlaygroundLanguage): string {
  return language === 'python' ? 'snippet.py' : language === 'typescript' ? 'snippet.ts' : 'snippet.js';
}

const PYTHON_LINE = [
  /^\s*(?:async\s+)?def\s+\w+\s*\(/,
  /^\s*class\s+\w+\s*[(:]/,
  /^\s*from\s+[\w.]+\s+import\s/,
  /^\s*import\s+[\w.]+\s*(?:as\s+\w+\s*)?$/,
  /^\s*@\w[\w.]*\s*(?:\(|$)/,
  /\bself\.\w/,
  /\b(?:None|True|False)\b/,
];

const SCRIPT_LINE = [
  /^\s*(?:export\s+)?(?:async\s+)?function\b/,
  /^\s*(?:export\s+)?(?:const|let|var)\s+[\w{[]/,
  /=>/,
  /;\s*$/,
  /[{}]\s*$/,
  /\brequire\s*\(/,
  /\bconsole\.\w/,
  /^\s*import\s.*\sfrom\s+['"]/,
  /\bawait\s+new\s+Promise\b/,
  /\b(?:null|undefined|this)\b/,
];

const TYPESCRIPT_LINE = [
  /^\s*(?:export\s+)?(?:interface|enum)\s+\w+/,
  /^\s*(?:export\s+)?type\s+\w+(?:<[^>\n]*>)?\s*=/,
  /^\s*import\s+type\s/,
  /\)\s*:\s*(?:Promise<|void\b|string\b|number\b|boolean\b|never\b)/,
  /\b(?:const|let|var)\s+\w+\s*:\s*[\w[\]<>]+\s*=/,
  /\b(?:private|public|protected|readonly)\s+\w+\s*[:(=]/,
  /\bas\s+(?:const|string|number|unknown|any)\b/,
  /\w\s*:\s*(?:string|number|boolean|unknown|any)(?:\[\])?\s*[,)=;]/,
];

const BLOCK_KEYWORD = /^\s*(?:elif|except|finally|with|while|for|if|else|try)\b/;

/** `while running:` / `except Exception as e:  # note`: a Python block header, brace-free and colon-terminated. */
function isPythonBlockHeader(line: string): boolean {
  if (!BLOCK_KEYWORD.test(line) || line.includes('{')) return false;
  const hash = line.indexOf('#');
  return (hash === -1 ? line : line.slice(0, hash)).trimEnd().endsWith(':');
}

function count(lines: string[], patterns: RegExp[], extra?: (line: string) => boolean): number {
  let hits = 0;
  for (const line of lines) if (patterns.some((pattern) => pattern.test(line)) || extra?.(line)) hits++;
  return hits;
}

/** Python, JavaScript or TypeScript for a snippet; Python when nothing speaks for the others. */
export function detectLanguage(code: string): PlaygroundLanguage {
  // Long lines only slow the guess down and never decide it.
  const lines = code.split('\n', 2000).map((line) => line.slice(0, 400));
  const python = count(lines, PYTHON_LINE, isPythonBlockHeader);
  const script = count(lines, SCRIPT_LINE);
  if (python > script) return 'python';
  if (script === 0) return 'python';
  return count(lines, TYPESCRIPT_LINE) > 0 ? 'typescript' : 'javascript';
}
