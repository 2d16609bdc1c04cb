/** Colour functions for the text reporter: chalk when colour is on, plain text otherwise. */
export interface Style {
  pass(s: string): string
  warn(s: string): string
  fail(s: string): string
  skip(s: string): string
  dim(s: string): string
  bold(s: string): string
}

const plain: Style = {pass: id, warn: id, fail: id, skip: id, dim: id, bold: id}
function id(s: string): string {
  return s
}

/** chalk is imported only when colour is on (it costs ~70 ms to load). */
export async function loadStyle(color: boolean): Promise<Style> {
  if (!color) return plain
  const {Chalk} = await import('chalk')
  const c = new Chalk({level: 1})
  return {pass: c.green, warn: c.yellow, fail: c.red, skip: c.gray, dim: c.dim, bold: c.bold}
}

export const plainStyle = plain
