import {constants} from 'node:fs'
import {open} from 'node:fs/promises'

/**
 * Why a file could not be read, in words that name the fix. `code` is stable for callers:
 * missing, denied, directory, special (FIFO, device, socket), too-large, or io.
 */
export class FileReadError extends Error {
  constructor(
    readonly code: 'missing' | 'denied' | 'directory' | 'special' | 'too-large' | 'io',
    message: string,
    /** For too-large: the size found (at least). */
    readonly size?: number,
  ) {
    super(message)
    this.name = 'FileReadError'
  }
}

/**
 * Reads a regular file of at most `maxBytes`, and nothing else. The file is opened non-blocking
 * and judged on the open descriptor (no race between a check and the open): a FIFO, a device
 * such as /dev/zero, a socket or a directory is refused at once instead of blocking forever or
 * filling memory, and no more than `maxBytes + 1` bytes are ever read, whatever the file claims.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  let fh
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (e) {
    throw fromErrno(e)
  }
  try {
    const st = await fh.stat()
    if (st.isDirectory()) throw new FileReadError('directory', 'is a directory, not a file')
    if (!st.isFile()) throw new FileReadError('special', `is ${specialKind(st)}, not a regular file`)
    if (st.size > maxBytes) throw tooLarge(st.size, maxBytes)
    // Read in chunks up to the cap, whatever the size says: a /proc-like file says 0 and has
    // content, and a file that grows while read still stops at the cap.
    const chunks: Buffer[] = []
    let n = 0
    for (;;) {
      const chunk = Buffer.alloc(Math.min(Math.max(st.size - n, 64 * 1024), maxBytes + 1 - n))
      const {bytesRead} = await fh.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) break
      chunks.push(chunk.subarray(0, bytesRead))
      n += bytesRead
      if (n > maxBytes) throw tooLarge(n, maxBytes)
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n)
  } catch (e) {
    if (e instanceof FileReadError) throw e
    throw fromErrno(e)
  } finally {
    await fh.close().catch(() => undefined)
  }
}

/** The size as people say it: 1 MB, 64 KB, 300 bytes. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MB`
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`
  return `${bytes} bytes`
}

function tooLarge(size: number, max: number): FileReadError {
  return new FileReadError(
    'too-large',
    `is larger than ${sizeText(max)} (${sizeText(size)} or more): is this the right file?`,
    size,
  )
}

function specialKind(st: {
  isFIFO(): boolean
  isCharacterDevice(): boolean
  isBlockDevice(): boolean
  isSocket(): boolean
}) {
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  return 'a special file'
}

function fromErrno(e: unknown): FileReadError {
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FileReadError('missing', 'does not exist')
  if (code === 'EACCES' || code === 'EPERM') return new FileReadError('denied', 'is not readable (permission denied)')
  if (code === 'EISDIR') return new FileReadError('directory', 'is a directory, not a file')
  if (code === 'ENXIO') return new FileReadError('special', 'is a special file with nothing behind it (ENXIO)')
  return new FileReadError('io', `cannot be read (${code ?? (e as Error).message})`)
}
