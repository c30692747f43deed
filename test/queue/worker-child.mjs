// A queue worker in a process of its own, for the tests that kill one: argv redis URL, queue name, tests at once, and
// (as root) its first uid. Says "ready" on
// stdout once it takes jobs, and "took ID" when a job starts; ends on SIGTERM after closing.
import { startWorker } from '../../dist/queue/worker.js';

const [url, queue, jobs = '1', firstUid] = process.argv.slice(2);
const w = await startWorker({ redis: url, queue, concurrency: 1, jobs: Number(jobs), ...(firstUid ? { firstUid: Number(firstUid) } : {}) });
w.worker.on('active', (job) => process.stdout.write(`took ${job.id}\n`));
process.stdout.write('ready\n');
process.once('SIGTERM', () => { void w.close().then(() => process.exit(0)); });
