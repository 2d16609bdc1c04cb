import {isWindowsPath} from '../base/index.js'

/**
 * Why `account` cannot be the serviceAccount that the permission scripts grant to, or undefined.
 * The scripts put it inside ACL grammar (`setfacl -m u:ACCOUNT:rwx`, `icacls /grant ACCOUNT:(M)`),
 * where `,` and `:` are separators: `nobody:rwx,u:daemon` would grant a second account. This
 * tool's own rule, by the form of the name and the working directory's platform:
 * - Windows (a Windows working directory, or a `DOMAIN\name` anywhere: winbind names directory
 *   accounts so on POSIX hosts too): `DOMAIN\name` (`IIS AppPool\pool`,
 *   `NT AUTHORITY\NETWORK SERVICE`, `NT SERVICE\x`, `.\name` included), `name@domain.tld`, or a
 *   bare `name`; names may hold spaces, never one of `" / \ [ ] : ; | = , + * ? < >` (the
 *   characters Windows refuses in account names).
 * - POSIX: one user name as useradd and NSS take it (letters, digits, `_ . - @ $`, not starting
 *   with `-`; `user@domain` for directory accounts through sssd): no white space.
 * set-permissions.sh checks again, on the host, that the account exists (`id -u`).
 */
export function accountProblem(account: string, workingDirectory: string | undefined): string | undefined {
  const windows = (workingDirectory !== undefined && isWindowsPath(workingDirectory)) || account.includes('\\')
  if (windows) {
    const win = windowsProblem(account)
    return win && `${win} (a Windows account: DOMAIN\\name, name@domain, IIS AppPool\\pool)`
  }
  const posix = posixProblem(account)
  return posix && `${posix} (a user name of the agent's host, as id and setfacl take it)`
}

function posixProblem(a: string): string | undefined {
  const bad = /[,:]/.exec(a)
  if (bad) return `holds ${describe(bad[0])}, which the ACL grammar reads as a separator: one account name only`
  const space = /\s/.exec(a)
  if (space) return `holds ${describe(space[0])}: a user name has no white space`
  if (a.startsWith('-')) return 'starts with "-": it would be read as an option'
  if (a.length > 256) return 'is longer than 256 characters'
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.@$-]*$/.test(a)) return 'is not a user name (letters, digits and _ . - @ $)'
  return undefined
}

const WINDOWS_FORBIDDEN = /["/\\[\]:;|=,+*?<>]/

function windowsProblem(a: string): string | undefined {
  const sep = /[,:]/.exec(a)
  if (sep) return `holds ${describe(sep[0])}, which the ACL grammar reads as a separator: one account name only`
  if (a !== a.trim()) return 'starts or ends with a space'
  const at = a.indexOf('@')
  if (at >= 0) {
    const name = a.slice(0, at)
    const domain = a.slice(at + 1)
    if (!name || WINDOWS_FORBIDDEN.test(name) || /\s/.test(name))
      return `"${name}" is not an account name (name@domain)`
    if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(domain)) return `"${domain}" is not a domain name (name@domain)`
    return undefined
  }
  const slash = a.indexOf('\\')
  const domain = slash >= 0 ? a.slice(0, slash) : undefined
  const name = slash >= 0 ? a.slice(slash + 1) : a
  if (domain !== undefined && (!domain.trim() || /["/\\[\]:;|=,+*?<>@]/.test(domain) || domain !== domain.trim()))
    return `"${domain}" is not a domain or authority name (DOMAIN\\name)`
  if (!name.trim() || WINDOWS_FORBIDDEN.test(name) || name !== name.trim() || /@/.test(name))
    return `"${name}" is not an account name (no " / \\ [ ] : ; | = , + * ? < > @)`
  return undefined
}

function describe(c: string): string {
  return c === ','
    ? 'a comma'
    : c === ':'
      ? 'a colon'
      : c === ' '
        ? 'a space'
        : `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
}

/** The serviceAccount problems of an environment: each with its path in the file. */
export function serviceAccountProblems(env: {
  server: {serviceAccount?: string; workingDirectory?: string}
  agents?: {serviceAccount?: string; workingDirectory?: string}[]
}): {path: (string | number)[]; message: string}[] {
  const ref = (v: string | undefined) => v !== undefined && v.startsWith('${')
  const all: [(string | number)[], string | undefined, string | undefined][] = [
    [['server', 'serviceAccount'], env.server.serviceAccount, env.server.workingDirectory],
    ...(env.agents ?? []).map(
      (a, i) =>
        [['agents', i, 'serviceAccount'], a.serviceAccount, a.workingDirectory ?? env.server.workingDirectory] as [
          (string | number)[],
          string | undefined,
          string | undefined,
        ],
    ),
  ]
  const out: {path: (string | number)[]; message: string}[] = []
  for (const [path, account, wd] of all) {
    if (account === undefined || ref(account)) continue
    const message = accountProblem(account, wd === undefined || ref(wd) ? undefined : wd)
    if (message) out.push({path, message})
  }
  return out
}
