/**
 * Masks the values of a settings file that are secrets, so that a diff can be shown: passwords,
 * the connection string, the license, and every client secret under `OpenIdClients`. Works on
 * lines, so that a malformed or hand-edited file (comments, trailing commas) is masked too;
 * `<REQUIRED: …>` placeholders stay visible, they are what the user has to provide.
 */
const SECRET_KEY =
  /^(?:password|pwd|x509keyfilepassword|connectionstring|license|secret|clientsecret|oauthtoken|applicationkey|apikey|token)$/i
const STRING = String.raw`"(?:[^"\\]|\\.)*"`
const PAIR = new RegExp(String.raw`(${STRING})(\s*:\s*)(${STRING})`, 'g')

export function maskSettingsSecrets(text: string): string {
  let clientsDepth = 0
  return text
    .split('\n')
    .map((line) => {
      const inClients = clientsDepth > 0
      const masked = line.replace(PAIR, (all, key: string, colon: string, value: string) => {
        const name = JSON.parse(key) as string
        if (!(inClients || SECRET_KEY.test(name) || /^"OpenIdClients"/i.test(line.trim()))) return all
        if (/^"<REQUIRED: /.test(value) || value === '""') return all
        return `${key}${colon}"***"`
      })
      if (clientsDepth > 0) clientsDepth += braceDelta(line)
      else if (/"OpenIdClients"\s*:\s*\{/i.test(line)) clientsDepth = braceDelta(line.slice(line.search(/\{/)))
      if (clientsDepth < 0) clientsDepth = 0
      return masked
    })
    .join('\n')
}

/** `{` minus `}` outside strings. */
function braceDelta(line: string): number {
  let d = 0
  let inString = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{') d++
    else if (c === '}') d--
  }
  return d
}
