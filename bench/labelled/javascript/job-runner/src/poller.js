// A job poller whose I/O all lives in other modules.
import { getPendingJobs, loadUser, loadUsers, markDone } from './db.js';
import { sendMail, subjectFor } from './mailer.js';
import { sleep } from './time.js';

const POLL_MS = 5_000;

export async function runPoller(signal) {
  while (!signal.aborted) { // expect: polling-fixed-interval
    try {
      const jobs = await getPendingJobs();
      for (const job of jobs) { // expect: query-in-loop, serial-blocking-io
        const user = await loadUser(job.user_id);
        await sendMail(user.email, subjectFor(job));
        await markDone(job.id);
      }
    } catch (err) {
      console.error('poll failed', err);
    }
    await sleep(POLL_MS);
  }
}

export function startInterval() {
  return setInterval(async () => { // expect: polling-fixed-interval, magic-interval
    try {
      const jobs = await getPendingJobs(20);
      const users = await loadUsers(jobs.map((job) => job.user_id));
      for (const job of jobs) { // expect: serial-blocking-io
        await sendMail(users.get(job.user_id).email, subjectFor(job));
      }
    } catch (err) {
      console.error('tick failed', err);
    }
  }, 10_000);
}

export async function finishAll(ids) {
  for (const id of ids) { // expect: write-per-row
    await markDone(id);
  }
}

export function subjects(jobs) {
  const out = [];
  for (const job of jobs) { // expect: none
    out.push(subjectFor(job));
  }
  return out;
}

export async function mailAllConcurrently(jobs, users) {
  await Promise.all(jobs.map((job) => sendMail(users.get(job.user_id).email, subjectFor(job))));
}

export async function mailAllForgotten(jobs, users) {
  for (const job of jobs) { // expect: fire-and-forget-task
    sendMail(users.get(job.user_id).email, subjectFor(job));
  }
}
