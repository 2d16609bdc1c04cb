import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {settingsProblems} from '../../src/product/settings-rules.js'

/** What the settings-files page says of "@" and EncryptFile, and no more. */
describe('settings rules: the "@" escape and EncryptFile, where the docs put them', () => {
  const agentSettings = {
    ApplicationUri: 'https://contoso.usercube.com',
    EncryptionCertificate: {File: './files.pfx', Password: 'p@ss', EncryptFile: false},
    IdentityServer: {X509KeyFilePath: './is.pfx', X509KeyFilePassword: '@p@ss'},
    Authentication: {Enabled: true},
    License: 'x',
  }
  const agentJson = {
    OpenId: {AgentIdentifier: 'ContosoAD', OpenIdClients: {Job: 's'}, DefaultOpenIdClient: 'Job'},
    PasswordResetSettings: {
      TwoFactorSettings: {ApplicationUri: 'https://contoso.usercube.com'},
      EncryptionCertificate: {File: './files.pfx', Password: '@p@ss', EncryptFile: false},
    },
    SourcesRootPaths: ['/srv/idm/Sources'],
    Connections: {
      ADExport: {
        Servers: [{Server: 'dc01.contoso.com', BaseDN: 'DC=contoso,DC=com'}],
        AuthType: 'Basic',
        Login: 'svc',
        Password: 'Ad@Pa55',
        Filter: '(objectclass=*)',
      },
      LDAPExport: {
        Servers: [
          {Server: 'ldap.contoso.com', AuthType: 'Basic', Login: 'cn=svc', Password: 'Ld@p', Controls: ['PagedResult']},
        ],
        Tables: [{Table: 'entries', BaseDN: 'o=contoso', Filter: '(objectclass=*)'}],
      },
      SCIMExport: {
        Server: 'https://scim.contoso.com/scim',
        ApplicationId: 'app',
        ApplicationKey: 'k@y',
        Login: 'svc',
        Password: 'Ap@i',
      },
    },
  }

  test('a certificate\'s plain password holding "@" must start with one more; a connection\'s is as it is', () => {
    const main = settingsProblems('appsettings.json', agentSettings, {role: 'agent'})
    const at = main.filter((p) => /one more "@"/.test(p.message))
    assert.deepEqual(
      at.map((p) => p.path.join('.')),
      ['EncryptionCertificate.Password'],
      'the escaped IdentityServer password is right; the plain one is not',
    )
    assert.match(
      at[0]!.message,
      /a plain certificate password containing "@" must start with one more "@" \(settings-files page/,
    )
    const agent = settingsProblems('appsettings.agent.json', agentJson, {role: 'agent'})
    assert.deepEqual(
      agent.filter((p) => /"@"/.test(p.message)),
      [],
      `connections are never asked for an escape: ${JSON.stringify(agent)}`,
    )
  })

  test("EncryptFile is judged in appsettings.json's EncryptionCertificate only", () => {
    const main = settingsProblems('appsettings.json', agentSettings, {role: 'agent'})
    assert.ok(
      main.some(
        (p) =>
          p.path.join('.') === 'EncryptionCertificate.EncryptFile' &&
          /it must be set to true afterwards/.test(p.message),
      ),
    )
    const agent = settingsProblems('appsettings.agent.json', agentJson, {role: 'agent'})
    assert.ok(!agent.some((p) => /EncryptFile/.test(p.message)), JSON.stringify(agent))
  })
})
