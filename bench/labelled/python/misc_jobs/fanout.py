"""asyncio fan-out: tasks that nobody keeps, and the ways to keep them."""
import asyncio

import httpx


async def notify(user):
    async with httpx.AsyncClient() as client:
        await client.post("https://push.internal/notify", json={"user": user})


async def notify_all(users):
    for user in users:  # expect: fire-and-forget-task
        asyncio.create_task(notify(user))


async def notify_all_kept(users):
    tasks = []
    for user in users:  # expect: none
        tasks.append(asyncio.create_task(notify(user)))
    await asyncio.gather(*tasks)


async def notify_all_in_group(users):
    async with asyncio.TaskGroup() as tg:
        for user in users:  # expect: none
            tg.create_task(notify(user))


async def fetch_profiles(client: httpx.AsyncClient, user_ids):
    profiles = []
    for user_id in user_ids:  # expect: serial-blocking-io
        resp = await client.get(f"https://profiles.internal/users/{user_id}")
        profiles.append(resp.json())
    return profiles


async def notify_each(users):
    for user in users:  # expect: serial-blocking-io
        await notify(user)
