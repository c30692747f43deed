/**
 * `simple-cp-sandbox submit`: one source and its tests to the queue (src/queue/submit.ts); the report printed as
 * `judge` prints it (the table, or --json), with judge's exit codes; --no-wait prints the submission's id.
 */
import { findTests, exitCodeForVerdict } from '../judge/index.js';
import { oneLine } from '../util/text.js';
import { ExitCode } from './exit-codes.js';
import { writeAll } from './io.js';
import { TablePrinter } from './judge.js';
import { judgeErrorReport } from './judge-options.js';
import { toRunOptions } from './options.js';
import { queueCommon } from './queue-target.js';
import type { CommandContext } from './types.js';

export async function run({ values, args, io }: CommandContext): Promise<number> {
  const json = values.json === true;
  const fail = async (message: string): Promise<number> => {
    if (json) await writeAll(io.stdout, `${JSON.stringify(judgeErrorReport(message))}\n`);
    else await writeAll(io.stderr, `simple-cp-sandbox: ${message}\n`);
    return ExitCode.SANDBOX;
  };
  const tests = values.tests as string | undefined;
  const source = args[0] as string;
  let target;
  try {
    target = await queueCommon('submit', values);
  } catch (e) {
    return fail(oneLine((e as Error).message));
  }
  if (tests === undefined) return fail('submit needs --tests DIR, the folder with the tests (see simple-cp-sandbox submit --help)');
  const run = toRunOptions(values);
  const limits = Object.fromEntries(Object.entries({ timeout: run.timeout, cpuTime: run.cpuTime, memory: run.memory,
    outputLimit: run.outputLimit, processes: run.processes }).filter(([, v]) => v !== undefined)) as Record<string, number>;
  const { submit } = await import('../queue/submit.js');
  try {
    const interactorLimits = {
      ...(values.interactorTimeout === undefined ? {} : { timeout: values.interactorTimeout as number }),
      ...(values.interactorMemory === undefined ? {} : { memory: values.interactorMemory as number }),
    };
    if (values.interactor === undefined && Object.keys(interactorLimits).length) {
      return await fail('--interactor-timeout and --interactor-memory need --interactor');
    }
    const common = {
      ...target, source, tests, ...(values.lang ? { language: values.lang as string } : {}),
      ...(values.checker ? { checker: values.checker as string } : {}),
      ...(values.interactor ? { interactor: values.interactor as string } : {}),
      ...(Object.keys(interactorLimits).length ? { interactorLimits } : {}),
      ...(Object.keys(limits).length ? { limits } : {}), ...(values.submission ? { submission: values.submission as string } : {}),
    };
    if (values.noWait === true) {
      const r = await submit({ ...common, wait: false });
      await writeAll(io.stdout, json ? `${JSON.stringify({ submission: r.submission, error: null })}\n` : `${r.submission}\n`);
      return 0;
    }
    const { report } = await submit(common);
    if (json) await writeAll(io.stdout, `${JSON.stringify({ ...report, error: null })}\n`);
    else await new TablePrinter(io, await findTests(tests, { optionalAnswers: values.interactor !== undefined }), false, false).finish(report);
    return exitCodeForVerdict(report.verdict);
  } catch (e) {
    return fail(oneLine((e as Error).message));
  }
}
