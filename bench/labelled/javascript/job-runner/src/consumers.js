// Queue consumers on amqplib and Redis.
import amqp from 'amqplib';
import Redis from 'ioredis';

const redis = new Redis(process.env.REDIS_URL);
const IDLE_MS = 1_000;

async function handleOrder(order) {
  console.log('order', order.id);
}

export async function consumeBatchAckFirst(channel, messages) {
  for (const msg of messages) { // expect: ack-before-success
    channel.ack(msg);
    await handleOrder(JSON.parse(msg.content.toString()));
  }
}

export async function consumeBatchAckAfter(channel, messages) {
  for (const msg of messages) { // expect: none
    try {
      await handleOrder(JSON.parse(msg.content.toString()));
      channel.ack(msg);
    } catch (err) {
      channel.nack(msg, false, false);
    }
  }
}

export async function drainList(signal) {
  while (!signal.aborted) { // expect: polling-fixed-interval
    try {
      const raw = await redis.lpop('orders');
      if (raw === null) {
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
        continue;
      }
      await handleOrder(JSON.parse(raw));
    } catch (err) {
      console.error(err);
    }
  }
}

export async function spinList(signal) {
  while (!signal.aborted) { // expect: busy-wait
    try {
      const raw = await redis.rpop('orders');
      if (!raw) continue;
      await handleOrder(JSON.parse(raw));
    } catch (err) {
      console.error(err);
    }
  }
}

export async function blockOnList(signal) {
  while (!signal.aborted) { // expect: none
    try {
      const item = await redis.brpop('orders', 5);
      if (!item) continue;
      await handleOrder(JSON.parse(item[1]));
    } catch (err) {
      console.error(err);
    }
  }
}

export async function connectPerMessage(messages) {
  for (const msg of messages) { // expect: connection-in-loop
    const conn = await amqp.connect('amqp://rabbit');
    const ch = await conn.createChannel();
    ch.sendToQueue('audit', Buffer.from(msg));
    await conn.close();
  }
}
