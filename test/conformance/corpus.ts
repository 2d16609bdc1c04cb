/**
 * A generated corpus of connection strings: every synonym of the keywords we read, in several
 * casings, with spaces, quoting styles, empty pairs and duplicates, and broken ones (a missing
 * "=", an unterminated quote, text after a quote, an unknown keyword, bad booleans and numbers).
 * Deterministic: the same list on every run.
 */
export function connectionStringCorpus(): string[] {
  const out = new Set<string>()
  const servers = ['Data Source', 'Server', 'Address', 'Addr', 'Network Address']
  const databases = ['Initial Catalog', 'Database']
  const users = ['User ID', 'UID', 'User']
  const passwords = ['Password', 'PWD']
  const integrated = ['Integrated Security', 'Trusted_Connection']
  const casings = [(s: string) => s, (s: string) => s.toLowerCase(), (s: string) => s.toUpperCase()]
  const hosts = [
    'sql01',
    'tcp:sql01,1433',
    'sql01\\PROD',
    'sql01\\PROD,14330',
    '.',
    '(local)',
    'np:\\\\sql01\\pipe\\sql\\query',
    '10.0.0.5,1433',
    '[::1],1433',
  ]
  let k = 0
  for (const s of servers)
    for (const c of casings)
      for (const h of hosts) {
        const d = databases[k % 2]!
        const u = users[k % 3]!
        const pw = passwords[k % 2]!
        out.add(`${c(s)}=${h};${c(d)}=Usercube;${c(u)}=idm;${c(pw)}=Pa55w0rd`)
        k++
      }
  for (const i of integrated)
    for (const v of ['SSPI', 'sspi', 'true', 'True', 'yes', 'false', 'no', 'maybe', ''])
      out.add(`Server=sql01;Database=Usercube;${i}=${v}`)
  for (const v of [
    'true',
    'false',
    'yes',
    'no',
    'True',
    'FALSE',
    'strict',
    'Strict',
    'mandatory',
    'optional',
    'Optional',
    'sometimes',
    '',
  ])
    out.add(`Server=sql01;uid=u;pwd=p;Encrypt=${v}`)
  for (const v of ['true', 'false', 'yes', 'no', 'perhaps'])
    for (const key of ['TrustServerCertificate', 'Trust Server Certificate'])
      out.add(`Server=sql01;uid=u;pwd=p;${key}=${v}`)
  for (const key of ['HostNameInCertificate', 'Host Name In Certificate'])
    out.add(`Server=sql01;uid=u;pwd=p;Encrypt=strict;${key}=sql.contoso.com`)
  for (const key of ['Connect Timeout', 'Connection Timeout', 'Timeout'])
    for (const v of ['0', '30', ' 45 ', '-1', 'soon', '2147483648']) out.add(`Server=sql01;uid=u;pwd=p;${key}=${v}`)
  for (const key of ['Application Name', 'App']) out.add(`Server=sql01;uid=u;pwd=p;${key}=Identity Manager`)
  for (const v of [
    'Active Directory Default',
    'ActiveDirectoryIntegrated',
    'Active Directory Password',
    'SqlPassword',
    'Bogus',
  ])
    out.add(`Server=sql01;Database=d;Authentication=${v}`)
  // Quoting: the product's passwords hold ; = ' " and spaces.
  for (const pw of [
    '"a;b"',
    "'a;b'",
    '"say ""hi"""',
    "'it''s'",
    `"it's"`,
    `'say "hi"'`,
    '"  padded  "',
    'a=b=c',
    ' spaced out ',
    '"unterminated',
    "'unterminated",
    '"closed"tail',
    'a"b',
    "a'b",
    '""',
    "''",
  ])
    out.add(`Server=sql01;uid=u;Password=${pw};Database=d`)
  // Separators, spaces and empty pairs.
  for (const s of [
    ';;Server=s;;uid=u;;',
    'Server=s;uid=u;',
    '  Server = s ;  uid =  u  ',
    'Server=s ; uid=u ; ; ',
    '\tServer=s;\tuid=u',
    'Server=s;uid=u;;;;;;',
    ';',
  ])
    out.add(s)
  // Duplicates: the last one wins.
  for (const s of [
    'Server=a;Server=b;uid=u',
    'Server=a;Data Source=b;uid=u',
    'Server=a;uid=u;UID=v;User ID=w',
    'Server=a;uid=u;Encrypt=false;Encrypt=true',
  ])
    out.add(s)
  // Broken.
  for (const s of [
    'Server=s;Sup3rSecret;uid=u',
    'Server=s;dangling',
    'Server=s;=x',
    'Server=s;Pasword=x',
    'Server=s;uid=u;Max Pool Size=lots',
    'Server=s;uid=u;Min Pool Size=50;Max Pool Size=10',
    'Server=s;uid=u;Pooling=perhaps',
    'Server=s;uid=u;Packet Size=1',
    'Database=x;uid=u',
    'Server=;uid=u',
    'Server=sql01,99999;uid=u',
    'Server=sql01,abc;uid=u',
    'Server=sql01\\;uid=u',
    'key==value;Server=s',
    'Server=s;Application Name==x',
    'Server=s;uid=u;Encrypt = strict ;TrustServerCertificate = true',
  ])
    out.add(s)
  return [...out]
}
