import type {Finding} from '../../model/index.js'
import {sqlErrorMeaning} from './sql-errors.js'
import type {SqlConnectFacts} from './sql-probe.js'
import type {SqlParams} from './sql-settings.js'

/** Where the connection is made from, in the words of the verdicts: the server, or an agent (a SQL connector). */
export interface SqlSide {
  /** "the Identity Manager server", "the agent's host" */
  host: string
  /** The hop in the firewall fix: "from the server to SQL Server". */
  feed: string
  /** Whose Windows identity Integrated Security logs in as, and how to test it anyway. */
  integrated: {who: string; fix: string}
}

export const SERVER_SIDE: SqlSide = {
  host: 'the Identity Manager server',
  feed: 'from the server to SQL Server',
  integrated: {
    who: "the server's Windows identity",
    fix: 'run idm-preflight on the server host as the service account, or set server.database.windowsCredentials (username DOMAIN\\user, password "${env:…}") to test the login with NTLM',
  },
}

function fixes(side: SqlSide): Record<string, string> {
  return {
    dns: `see dns.alias: the SQL Server host must resolve from ${side.host}`,
    browser:
      'start the SQL Server Browser service (UDP 1434 open), or write the port in the connection string: host\\instance,port',
    tcp: `enable TCP/IP for the instance (SQL Server Configuration Manager), check the port, and open it in the firewall ("SQL feed must be open ${side.feed}")`,
    prelogin: 'the peer did not answer as SQL Server: check host and port (is this a SQL Server instance?)',
    tls: "Encrypt requires TLS: install a certificate on SQL Server that this host trusts, or (not for production) TrustServerCertificate=true, or Encrypt=false as the product docs' examples do",
  }
}

/** The verdicts of a SQL Server connection's phases (sql.connection, connector.sql), worded for its side. */
export function sqlConnectionFindings(p: SqlParams, f: SqlConnectFacts, side: SqlSide): Finding[] {
  const FIX = fixes(side)
  const where = `${p.host}${p.instance ? `\\${p.instance}` : ''}${f.port ? `:${f.port}` : ''}`
  if (f.failedPhase === 'login' || f.failedPhase === 'database') {
    const main =
      f.sqlErrors.find((e) => e.number === 4060) ??
      f.sqlErrors.find((e) => e.number === 18456 || e.number === 18452) ??
      f.sqlErrors[0]
    const m = main ? sqlErrorMeaning(main.number, main.state, p) : undefined
    const what = main
      ? `error ${main.number}${main.number === 18456 ? ` state ${main.state}` : ''}: ${m?.meaning ?? main.message}`
      : (f.error ?? 'failed')
    return [
      {
        status: 'fail',
        message: `${where}: ${f.failedPhase} failed as ${p.auth === 'ntlm' ? `${p.ntlmDomain ? `${p.ntlmDomain}\\` : ''}${p.userId} (NTLM)` : p.userId} — ${what}`,
        remediation: m?.fix ?? 'check the login and the database name',
      },
    ]
  }
  if (f.failedPhase) {
    const detail = f.failedPhase === 'prelogin' && f.errorCode === 'ETIMEOUT' ? `no TDS answer (${f.error})` : f.error
    return [
      {
        status: 'fail',
        message: `${where}: ${f.failedPhase} failed: ${detail}`,
        remediation: FIX[f.failedPhase] ?? '',
      },
    ]
  }
  const via = `${f.address}:${f.port}${f.portFromBrowser ? ' (port from the SQL Browser)' : ''}`
  if (f.integratedNotTested)
    return [
      {
        status: 'warn',
        message: `${where}: reachable at ${via}; Integrated Security logs in as ${side.integrated.who}, which idm-preflight cannot use from here`,
        remediation: side.integrated.fix,
      },
    ]
  return [
    {
      status: 'pass',
      message: `${where}: logged in as ${p.auth === 'ntlm' ? `${p.ntlmDomain ? `${p.ntlmDomain}\\` : ''}${p.userId} (NTLM)` : p.userId} at ${via}, database ${p.database ?? '(default)'} opened${p.encrypt === 'optional' ? ', unencrypted (Encrypt=false)' : ', encrypted'}`,
    },
  ]
}
