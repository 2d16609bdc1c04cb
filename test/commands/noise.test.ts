import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {runCli, tempDir} from '../helpers/cli.js'

/**
 * What a user should never have to read: Node's DEP0123 warning when an endpoint is an IP address,
 * and OpenSSL's internals (`C07C…:error:0A00010B:SSL routines:tls_validate_record_header:wrong
 * version number:../deps/openssl/…`) in a TLS failure. A peer on loopback that answers TLS in
 * plain text, as an HTTP port behind a TLS URL does.
 */

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}

describe('TLS failures said plainly, no Node warning for IP addresses', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let plain: Server
  let file: string
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    plain = await new Promise<Server>((resolve) => {
      const s = createServer((c) => {
        c.on('data', () => c.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'))
        c.on('error', () => undefined)
      })
      s.listen(0, '127.0.0.1', () => resolve(s))
    })
    const port = (plain.address() as {port: number}).port
    file = join(dir, 'ip.yaml')
    await writeFile(
      file,
      `version: 1
name: contoso-saas
product: saas
topology: saas
organization: Contoso
server:
  url: https://127.0.0.1:${port}
agents:
  - identifier: ContosoAD
    url: https://127.0.0.1:${port}
    workingDirectory: ${dir}
    serviceAccount: svc-idm
smtp:
  host: 127.0.0.1
  port: ${port}
  secureSocketOption: SslOnConnect
  fromAddress: idm@contoso.com
`,
    )
  })
  after(async () => {
    plain?.close()
    await cleanup?.()
  })

  test('a plain-text peer behind https:// and SslOnConnect, by IP address, in every format', async () => {
    for (const format of ['text', 'json', 'junit', 'tap', 'html']) {
      const r = await runCli(
        ['check', '-c', file, '--only', 'tls.endpoint,server.reachability,smtp.server', '--format', format],
        {env: noProxyEnv},
      )
      assert.equal(r.code, 3, `${format}: ${r.stdout}${r.stderr}`)
      assert.doesNotMatch(r.stderr, /DEP0123|DeprecationWarning|Warning/, format)
      const messages =
        format === 'json'
          ? (JSON.parse(r.stdout) as {results: {message: string; remediation: string}[]}).results
              .map((x) => `${x.message}\n${x.remediation}`)
              .join('\n')
          : r.stdout
      assert.doesNotMatch(messages, /SSL routines|error:[0-9A-F]{8}|deps\/openssl|\.c:\d+/, `${format}: ${messages}`)
      if (format === 'text')
        assert.match(
          r.stdout,
          /TLS handshake with 127\.0\.0\.1:\d+ failed: the peer did not answer in TLS, perhaps plain HTTP or another protocol on this port \(wrong version number\)/,
        )
    }
  })
})
