// The Platform contract for every registered host: adding a host to src/platforms/registry.ts without a fixture in
// hosts/<name>.ts fails here, so no host is left out of the suite.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { HOSTS } from '../../../src/platforms/registry.js';
import { describePlatformContract, type ContractSetup } from './suite.js';

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
  const { setup } = (await import(`./hosts/${host.name}.js`)) as { setup: ContractSetup };
  describePlatformContract(host.name, setup);
}
