/** Environment files used across tests, as text (so that positions are known). */

/** A valid SaaS environment with one agent whose working directory is `wd`. */
export function saasEnv(wd = '/tmp/idm-wd', extra = ''): string {
  return `version: 1
name: contoso-saas
product: saas
topology: saas
organization: Contoso
server:
  url: https://contoso.usercube.com
agents:
  - identifier: ContosoAD
    url: https://idm-agent.contoso.com
    workingDirectory: ${wd}
    serviceAccount: svc-idm
${extra}`
}

/** A valid on-prem environment with a separate agent; secrets come from IDM_* variables. */
export function onPremEnv(extra = ''): string {
  return `version: 1
name: contoso-prod
product: "6.2"
topology: on-prem-separate
organization: Contoso
server:
  url: https://idm.contoso.com
  alias: idm.contoso.com
  workingDirectory: /tmp/idm-server
  serviceAccount: CONTOSO\\svc-idm
  database:
    connectionString: "\${env:IDM_SQL_CONNECTION}"
  encryptionCertificate: { file: ./certs/server-files.pfx, password: "\${env:IDM_SERVER_PFX}" }
agents:
  - identifier: ContosoAD
    alias: idm-agent.contoso.com
    url: https://idm-agent.contoso.com
    workingDirectory: /tmp/idm-agent
    serviceAccount: IIS AppPool\\Usercube
    openIdClient: { id: Job, secret: "\${env:IDM_JOB_SECRET}" }
smtp:
  host: smtp.contoso.com
  port: 587
  secureSocketOption: StartTls
  username: idm@contoso.com
  password: "\${env:IDM_SMTP_PASSWORD}"
  fromAddress: no-reply@contoso.com
${extra}`
}

/** Values for onPremEnv's references: every one must stay out of every output. */
export const ONPREM_SECRETS = {
  IDM_SQL_CONNECTION: 'Server=sql.contoso.com;Database=UsercubeContoso;User Id=idm;Password=Sql-Pa55-Secret!',
  IDM_SERVER_PFX: 'Pfx-Pa55-Secret',
  IDM_JOB_SECRET: 'Job-Pa55-Secret',
  IDM_SMTP_PASSWORD: 'Smtp-Pa55-Secret',
}
