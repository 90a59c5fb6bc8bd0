// BullMQ processors.
import { Worker, type Job } from 'bullmq';
import { PrismaClient } from '@prisma/client';

const prisma = new PrismaClient();
const connection = { host: 'redis', port: 6379 };

interface InvoiceJob {
  invoiceIds: string[];
  recipients: string[];
}

async function renderInvoice(id: string): Promise<string> {
  return `invoice ${id}`;
}

async function postToMailer(to: string, body: string): Promise<void> {
  const res = await fetch('https://mail.internal/send', { method: 'POST', body: JSON.stringify({ to, body }) });
  if (!res.ok) throw new Error(`mailer ${res.status}`);
}

export const invoiceWorker = new Worker<InvoiceJob>(
  'invoices',
  async (job: Job<InvoiceJob>) => {
    for (const id of job.data.invoiceIds) { // expect: query-in-loop
      const invoice = await prisma.invoice.findUnique({ where: { id } });
      if (invoice) await job.log(`invoice ${invoice.id}: ${invoice.total}`);
    }
    const bodies: string[] = [];
    for (const id of job.data.invoiceIds) { // expect: none
      bodies.push(await renderInvoice(id));
    }
    for (const to of job.data.recipients) { // expect: serial-blocking-io
      await postToMailer(to, bodies.join('\n'));
    }
  },
  { connection },
);

export async function closeInvoices(ids: string[]): Promise<void> {
  for (const id of ids) { // expect: write-per-row
    await prisma.invoice.update({ where: { id }, data: { status: 'closed' } });
  }
}

export async function closeInvoicesBatched(ids: string[]): Promise<void> {
  await prisma.invoice.updateMany({ where: { id: { in: ids } }, data: { status: 'closed' } });
}

export async function loadInvoices(ids: string[]) {
  const invoices = await prisma.invoice.findMany({ where: { id: { in: ids } } });
  const byId = new Map(invoices.map((invoice) => [invoice.id, invoice]));
  const totals: number[] = [];
  for (const id of ids) { // expect: none
    totals.push(byId.get(id)?.total ?? 0);
  }
  return totals;
}
