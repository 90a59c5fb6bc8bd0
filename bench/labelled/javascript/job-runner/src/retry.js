import { sleep } from './time.js';

export async function fetchWithRetry(url) {
  for (let attempt = 0; attempt < 5; attempt++) { // expect: magic-interval; allow: retry-without-backoff
    try {
      const res = await fetch(url);
      if (res.ok) return await res.json();
    } catch (err) {
      console.warn('attempt failed', attempt, err);
    }
    await sleep(1000);
  }
  throw new Error('gave up');
}

export async function fetchWithBackoff(url) {
  for (let attempt = 0; attempt < 5; attempt++) { // expect: none
    try {
      const res = await fetch(url);
      if (res.ok) return await res.json();
    } catch (err) {
      console.warn('attempt failed', attempt, err);
    }
    await sleep(2 ** attempt * 250 + Math.random() * 100);
  }
  throw new Error('gave up');
}

export async function connectUntilUp(client) {
  while (true) { // expect: retry-without-backoff
    try {
      await client.connect();
      return client;
    } catch (err) {
      console.warn('not up yet', err.message);
    }
  }
}

const RETRY_MS = 2_000;

export async function publishUntilAccepted(url, event) {
  for (;;) { // expect: retry-without-backoff
    try {
      return await fetch(url, { method: 'POST', body: JSON.stringify(event) });
    } catch (err) {
      console.warn('collector unreachable', err.message);
      await sleep(RETRY_MS);
    }
  }
}
