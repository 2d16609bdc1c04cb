import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, writeFile} from 'node:fs/promises'
import net from 'node:net'
import {join} from 'node:path'
import {serverCert, type Issued} from '../../src/sandbox/pki.js'

/** Debian's slapd (package slapd): .ci/run installs it; tests that need it skip, saying so, where it is missing. */
export const SLAPD = ['/usr/sbin/slapd', '/usr/local/sbin/slapd'].find((p) => existsSync(p))
export const SLAPADD = ['/usr/sbin/slapadd', '/usr/local/sbin/slapadd'].find((p) => existsSync(p))
export const NO_SLAPD = SLAPD && SLAPADD ? false : "needs Debian's slapd (apt-get install slapd): .ci/run installs it"

export const SUFFIX = 'dc=idm,dc=test'
export const READER = `cn=reader,${SUFFIX}`
/** Not subject to the size limit of paged searches (olcLimits size.prtotal=unlimited). */
export const BULK_READER = `cn=bulkreader,${SUFFIX}`

export interface Slapd {
  ldapPort: number
  ldapsPort: number
  /** The bind password of READER and BULK_READER. */
  password: string
  /** How many people entries under ou=people. */
  people: number
  stop(): Promise<void>
}

export interface SlapdOptions {
  dir: string
  ca: Issued
  /** Names the server certificate carries (default 127.0.0.1 is not in it: connect by name). */
  hostnames: string[]
  /** Entries under ou=people (default 120). */
  people?: number
  /** slapd's size limit (default 50): paged searches too, except for BULK_READER. */
  sizeLimit?: number
  /** `security simple_bind=64`: simple binds need TLS (confidentialityRequired otherwise). */
  requireTlsForBind?: boolean
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/**
 * A real OpenLDAP server on 127.0.0.1: LDAP (with StartTLS) and LDAPS on free ports, a
 * certificate from the given CA, the suffix dc=idm,dc=test with `people` inetOrgPerson entries,
 * two bind accounts and a size limit. Stopped (and its process killed) by stop().
 */
export async function startSlapd(o: SlapdOptions): Promise<Slapd> {
  if (!SLAPD || !SLAPADD) throw new Error(String(NO_SLAPD))
  const password = 'reader-Pw-1'
  const people = o.people ?? 120
  await mkdir(join(o.dir, 'db'), {recursive: true})
  const cert = serverCert(o.ca, o.hostnames)
  await writeFile(join(o.dir, 'server.pem'), cert.certPem + o.ca.certPem)
  await writeFile(join(o.dir, 'server.key'), cert.keyPem, {mode: 0o600})
  const conf = join(o.dir, 'slapd.conf')
  await writeFile(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `pidfile ${join(o.dir, 'slapd.pid')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `TLSCertificateFile ${join(o.dir, 'server.pem')}`,
      `TLSCertificateKeyFile ${join(o.dir, 'server.key')}`,
      ...(o.requireTlsForBind ? ['security simple_bind=64'] : []),
      `sizelimit ${o.sizeLimit ?? 50}`,
      'database mdb',
      `suffix "${SUFFIX}"`,
      `rootdn "cn=admin,${SUFFIX}"`,
      'rootpw admin-not-used',
      `directory ${join(o.dir, 'db')}`,
      'maxsize 33554432',
      `limits dn.exact="${BULK_READER}" size.prtotal=unlimited`,
      'access to attrs=userPassword by self write by anonymous auth by * none',
      'access to * by * read',
      '',
    ].join('\n'),
  )
  const entries = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: idm\no: idm-preflight tests`,
    `dn: ${READER}\nobjectClass: person\ncn: reader\nsn: reader\nuserPassword: ${password}`,
    `dn: ${BULK_READER}\nobjectClass: person\ncn: bulkreader\nsn: bulkreader\nuserPassword: ${password}`,
    `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
    ...Array.from(
      {length: people},
      (_, i) =>
        `dn: uid=user${i},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: user${i}\ncn: User ${i}\nsn: ${i}\nmail: user${i}@idm.test`,
    ),
  ]
  const ldif = join(o.dir, 'data.ldif')
  await writeFile(ldif, `${entries.join('\n\n')}\n`)
  await run(SLAPADD, ['-q', '-f', conf, '-l', ldif])
  const [ldapPort, ldapsPort] = [await freePort(), await freePort()]
  const child = spawn(
    SLAPD,
    ['-d', '0', '-f', conf, '-h', `ldap://127.0.0.1:${ldapPort}/ ldaps://127.0.0.1:${ldapsPort}/`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += String(d)))
  // A test process that dies must not leave a directory server behind.
  const reap = () => child.kill('SIGKILL')
  process.once('exit', reap)
  child.once('exit', () => process.removeListener('exit', reap))
  try {
    await waitForPort(ldapsPort, child, () => stderr)
    await waitForPort(ldapPort, child, () => stderr)
  } catch (e) {
    child.kill('SIGKILL')
    throw e
  }
  return {
    ldapPort,
    ldapsPort,
    password,
    people,
    stop: () => stop(child),
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, {stdio: ['ignore', 'ignore', 'pipe']})
    let err = ''
    c.stderr!.on('data', (d) => (err += String(d)))
    c.on('error', reject)
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err}`))))
  })
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const until = Date.now() + 10_000
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`slapd exited ${child.exitCode}: ${stderr()}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({host: '127.0.0.1', port})
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`slapd did not listen on ${port} within 10 s: ${stderr()}`)
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000)
    child.once('exit', () => {
      clearTimeout(t)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
