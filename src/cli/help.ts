/**
 * Help text as paragraphs that oclif wraps to the terminal: lines of one paragraph in the source
 * are joined (a sentence is never cut by the source's own line breaks), while blank lines, and
 * lines that start with two spaces or "- " (lists, the EXIT CODES table), stay as written.
 */
export function flow(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((para) => {
      const lines = para.split('\n')
      const out: string[] = []
      for (const line of lines) {
        const keep = /^( {2}|- )/.test(line) || /^[A-Z][A-Z ]+$/.test(line)
        if (out.length && !keep && !/^( {2}|- )/.test(out.at(-1)!) && !/^[A-Z][A-Z ]+$/.test(out.at(-1)!))
          out[out.length - 1] = `${out.at(-1)} ${line.trim()}`
        else out.push(line)
      }
      return out.join('\n')
    })
    .join('\n\n')
}
