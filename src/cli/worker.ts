/** `simple-cp-sandbox worker`: a queue worker (src/queue/worker.ts) until SIGTERM or SIGINT. */
import { oneLine } from '../util/text.js';
import { ExitCode } from './exit-codes.js';
import { writeAll } from './io.js';
import { loadEngine } from './load-engine.js';
import { queueCommon } from './queue-target.js';
import type { CommandContext } from './types.js';

export async function run({ values, io }: CommandContext): Promise<number> {
  let common;
  try {
    common = await queueCommon('worker', values);
  } catch (e) {
    await writeAll(io.stderr, `simple-cp-sandbox: ${oneLine((e as Error).message)}\n`);
    return ExitCode.SANDBOX;
  }
  await loadEngine(); // the bin's shutdown() then ends the engine's threads
  const { startWorker } = await import('../queue/worker.js');
  let w;
  try {
    w = await startWorker({
      ...common,
      ...(values.concurrency ? { concurrency: values.concurrency as number } : {}),
      ...(values.firstUid ? { firstUid: values.firstUid as number } : {}),
    });
  } catch (e) {
    await writeAll(io.stderr, `simple-cp-sandbox: worker could not start: ${oneLine((e as Error).message)}\n`);
    return ExitCode.SANDBOX;
  }
  const queue = w.worker.name;
  const users = w.uids === null ? 'as this user' : `as uids ${w.uids.first}..${w.uids.last}`;
  await writeAll(io.stderr, `worker: taking jobs from queue ${queue} (concurrency ${w.worker.concurrency}, programs run ${users})\n`);
  w.worker.on('completed', (job, r: { report?: { verdict?: string } }) => { io.stderr.write(`worker: ${job.id} ${r?.report?.verdict ?? '?'}\n`); });
  w.worker.on('failed', (job, e) => { io.stderr.write(`worker: ${job?.id ?? '?'} failed: ${oneLine(e.message)}\n`); });
  w.worker.on('error', (e) => { io.stderr.write(`worker: ${oneLine(e.message)} (reconnecting)\n`); });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await writeAll(io.stderr, `worker: ${signal}: finishing the running jobs\n`);
  await w.close();
  return 0;
}
