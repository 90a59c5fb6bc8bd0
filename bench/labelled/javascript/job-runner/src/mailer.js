const MAIL_URL = 'https://mail.internal/v1/send';

export async function sendMail(to, body) {
  const res = await fetch(MAIL_URL, { method: 'POST', body: JSON.stringify({ to, body }) });
  if (!res.ok) throw new Error(`mail failed: ${res.status}`);
}

export function subjectFor(job) {
  return `Job ${job.id} finished`;
}
