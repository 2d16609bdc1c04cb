import type {CheckInstance} from './planner.js'
import type {CheckResult} from '../report/index.js'

export interface Progress {
  onStart(i: number, inst: CheckInstance): void
  onResult(i: number, r: CheckResult): void
  /** Resolves once the last line is drawn. */
  done(): Promise<void>
}

interface Group {
  total: number
  finished: number
  worst: 'pass' | 'warn' | 'fail' | 'skip'
  settle?: (outcome: {failed?: string; skipped?: string}) => void
  task?: {title: string}
}

/**
 * listr2 progress on stderr, one line per check id with its count of finished targets. Only
 * for a terminal (the command decides); listr2 is imported only then.
 */
export async function startProgress(plan: readonly CheckInstance[]): Promise<Progress> {
  const {Listr, ProcessOutput} = await import('listr2')
  // A terminal that reports no size (a pseudo-terminal nobody sized, some CI consoles) says 0
  // columns and 0 rows: listr2 would wrap after every character, and log-update clips every frame
  // to nothing. Draw for 80 columns and 24 rows then.
  for (const stream of [process.stderr, process.stdout]) {
    if (stream.isTTY && !(stream.columns > 0)) Object.defineProperty(stream, 'columns', {value: 80, configurable: true})
    if (stream.isTTY && !(stream.rows > 0)) Object.defineProperty(stream, 'rows', {value: 24, configurable: true})
  }
  const groups = new Map<string, Group>()
  for (const inst of plan) {
    const g = groups.get(inst.id) ?? {total: 0, finished: 0, worst: 'skip'}
    g.total++
    groups.set(inst.id, g)
  }
  const pending: Promise<void>[] = []
  const tasks = [...groups].map(([id, g]) => ({
    title: `${id} (0/${g.total})`,
    task: (_ctx: unknown, task: {title: string; skip(msg?: string): void}) => {
      g.task = task
      const p = new Promise<{failed?: string; skipped?: string}>((resolve) => (g.settle = resolve))
      return p.then((o) => {
        task.title = `${id} (${g.finished}/${g.total})`
        if (o.skipped) task.skip(o.skipped)
        else if (o.failed) throw new Error(o.failed)
      })
    },
  }))
  const listr = new Listr(tasks, {
    concurrent: true,
    exitOnError: false,
    // listr2's own SIGINT handler ends the process with exit 127 and no report: the command
    // handles Ctrl-C (the partial report, exit 130), and every task settles with its results.
    registerSignalListeners: false,
    // The report that follows lists every check again: the progress list is cleared when it ends.
    rendererOptions: {processOutput: new ProcessOutput(process.stderr, process.stderr), clearOutput: true} as never,
  })
  const running = listr.run().then(
    () => undefined,
    () => undefined,
  )
  pending.push(running)
  const rank = {skip: 0, pass: 1, warn: 2, fail: 3}
  return {
    onStart() {},
    onResult(_i, r) {
      const g = groups.get(r.id)
      if (!g) return
      g.finished++
      const s = r.status === 'error' ? 'fail' : r.status
      if (rank[s] > rank[g.worst]) g.worst = s
      if (g.task) g.task.title = `${r.id} (${g.finished}/${g.total})`
      if (g.finished === g.total) {
        const settle = () =>
          g.settle?.(
            g.worst === 'fail' ? {failed: `${r.id}: failed`} : g.worst === 'skip' ? {skipped: `${r.id}: skipped`} : {},
          )
        // The task may not have started yet when the result arrives: settle on the next turn.
        if (g.settle) settle()
        else setImmediate(settle)
      }
    },
    async done() {
      await Promise.all(pending)
    },
  }
}
