// The Platform contract and the webhook contract for every registered host: adding a host to
// src/platforms/registry.ts without a fixture in hosts/<name>.ts (exporting `setup` and `webhook`) fails here, so no
// host is left out of either suite.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { HOSTS } from '../../../src/platforms/registry.js';
import { describePlatformContract, type ContractSetup } from './suite.js';
import { describeWebhookContract, type WebhookFixture } from './webhook-suite.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('the contract suite', () => {
  it('has a fixture for every registered host', () => {
    expect(HOSTS.length).toBeGreaterThanOrEqual(2);
    expect(HOSTS.filter((host) => !existsSync(join(here, 'hosts', `${host.name}.ts`))).map((host) => host.name)).toEqual([]);
  });
});

for (const host of HOSTS) {
  const fixture = join(here, 'hosts', `${host.name}.ts`);
  if (!existsSync(fixture)) continue;
  const { setup, webhook } = (await import(`./hosts/${host.name}.js`)) as { setup: ContractSetup; webhook?: WebhookFixture };
  describePlatformContract(host.name, setup);
  // A host without a webhook fixture fails here rather than going untested.
  if (!webhook) it(`${host.name}: hosts/${host.name}.ts exports a webhook fixture`, () => expect(webhook).toBeDefined());
  else describeWebhookContract(host, webhook);
}
