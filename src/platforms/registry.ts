// Every code host the service and the contract suite know, by name. A host is one folder, src/platforms/<name>/,
// holding everything that is its own (webhook verification and routing to a job, the API adapter, its schemas, its
// Markdown flavour and words) and one line here. src/server/main.ts starts every host whose settings are present;
// test/platforms/contract runs the Platform contract against every host listed here.
import type { HostName } from '../core/types.js';
import type { CreateHostService } from '../server/deps.js';
import { createGitHubService } from './github/service.js';
import { createGitLabService } from './gitlab/service.js';

export interface HostEntry {
  name: HostName;
  /** For logs and messages. */
  label: string;
  createService: CreateHostService;
}

export const HOSTS: readonly HostEntry[] = [
  { name: 'github', label: 'GitHub', createService: createGitHubService },
  { name: 'gitlab', label: 'GitLab', createService: (env, deps) => createGitLabService(env, deps) },
];

export function hostNamed(name: string): HostEntry | undefined {
  return HOSTS.find((host) => host.name === name);
}
