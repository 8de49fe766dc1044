/**
 * Where the live view goes. On a terminal the table is redrawn in place with
 * two ANSI escapes (cursor up, clear to the end of the screen); anywhere else
 * (CI logs, pipes, files) every update is appended as plain lines, so the
 * log reads top to bottom with no escape codes in it.
 *
 * @module
 */
import type { Writable } from 'node:stream'

export interface Screen {
  /** True when updates redraw in place: the caller then shows the full table. */
  readonly live: boolean
  show: (lines: readonly string[]) => void
  /** Leaves the last view on screen and restores the cursor. */
  close: () => void
}

const HIDE_CURSOR = '\u001b[?25l'
const SHOW_CURSOR = '\u001b[?25h'
const CLEAR_DOWN = '\u001b[J'
const up = (lines: number): string => `\u001b[${lines}A`

interface TerminalLike extends Writable {
  readonly isTTY?: boolean
  readonly columns?: number
}

/** A live screen on a terminal, plain lines elsewhere. */
export function screenFor (out: TerminalLike): Screen {
  // A reader that went away (`| head`) must not crash the cluster mid-run.
  out.on('error', () => {})
  return out.isTTY === true ? liveScreen(out) : plainScreen(out)
}

function liveScreen (out: TerminalLike): Screen {
  let drawn = 0
  let closed = false
  // A crash must not leave the user's terminal without a cursor.
  const restore = (): void => { out.write(SHOW_CURSOR) }
  process.once('exit', restore)
  out.write(HIDE_CURSOR)
  return {
    live: true,
    show (lines) {
      if (closed) return
      // Lines wider than the terminal would wrap, and the cursor would then
      // go up too few rows on the next redraw.
      const width = Math.max(20, (out.columns ?? 120) - 1)
      const text = lines.map(l => l.length > width ? `${l.slice(0, width - 1)}…` : l).join('\n')
      out.write(`${drawn > 0 ? `${up(drawn)}\r` : ''}${CLEAR_DOWN}${text}\n`)
      drawn = lines.length
    },
    close () {
      if (closed) return
      closed = true
      process.removeListener('exit', restore)
      restore()
    }
  }
}

function plainScreen (out: Writable): Screen {
  let closed = false
  return {
    live: false,
    show (lines) {
      if (!closed) out.write(`${lines.join('\n')}\n`)
    },
    close () { closed = true }
  }
}
