import type {SqlParams} from './sql-settings.js'

/** What SQL Server's login errors mean, and what fixes them (18456's state says why). */
export function sqlErrorMeaning(
  number: number,
  state: number,
  p: Pick<SqlParams, 'userId' | 'database' | 'auth'>,
): {meaning: string; fix: string} {
  const login = p.userId ?? 'the login'
  if (number === 4060)
    return {
      meaning: `cannot open database "${p.database}" (it does not exist, or ${login} has no user in it)`,
      fix: `create the database (Usercube.sql from SQL_<version>.zip), or map the login: USE [${p.database}]; CREATE USER [${login}] FOR LOGIN [${login}];`,
    }
  if (number === 18452)
    return {
      meaning: 'the Windows login is from an untrusted domain or NTLM is refused',
      fix: 'use a domain account trusted by the SQL Server host, or a SQL login',
    }
  if (number === 18456) {
    const states: Record<number, [string, string]> = {
      2: [`login ${login} does not exist`, `CREATE LOGIN [${login}] …; or fix User ID`],
      5: [`login ${login} does not exist`, `CREATE LOGIN [${login}] WITH PASSWORD = '…'; or fix User ID`],
      6: ['a Windows login name was used with SQL authentication', 'use Integrated Security for Windows logins'],
      7: [`login ${login} is disabled`, `ALTER LOGIN [${login}] ENABLE;`],
      8: ['wrong password', 'check the Password in the connection string (the value behind the ${env:} reference)'],
      9: ['the password is not valid for this login', 'reset it: ALTER LOGIN … WITH PASSWORD = …'],
      11: ['the login is valid but has no access to the server', `GRANT CONNECT SQL TO [${login}];`],
      12: ['the login is valid but has no access to the server', `GRANT CONNECT SQL TO [${login}];`],
      18: [
        'the password must be changed first',
        `ALTER LOGIN [${login}] WITH PASSWORD = '…' (or connect once with SSMS)`,
      ],
      38: [
        `the login cannot open the database "${p.database}"`,
        `map the login to a user in that database, and check the database name`,
      ],
      40: [
        "the login's default database cannot be opened",
        `ALTER LOGIN [${login}] WITH DEFAULT_DATABASE = [${p.database ?? 'master'}];`,
      ],
      58: [
        'the server accepts Windows authentication only',
        'switch the server to SQL Server and Windows Authentication mode, and restart it',
      ],
    }
    const [meaning, fix] = states[state] ?? ['login failed', "check the server's error log for this state"]
    return {meaning: `login failed: ${meaning}`, fix}
  }
  return {meaning: `SQL Server error ${number}`, fix: 'see the message'}
}
