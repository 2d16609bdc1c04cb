import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {makeCA, type Issued} from '../../src/sandbox/pki.js'
import {startDns} from '../../src/sandbox/servers.js'
import {tempDir} from './cli.js'

/** A throwaway CA (its PEM in a caFile) and a DNS server answering `host` with 127.0.0.1. */
export interface LoopbackNetwork {
  ca: Issued
  caFile: string
  dir: string
  dnsPort: number
  dnsServers: string[]
  close(): Promise<void>
}

export async function loopbackNetwork(host: string, caName?: string): Promise<LoopbackNetwork> {
  const t = await tempDir()
  const ca = makeCA(caName)
  const caFile = join(t.dir, 'ca.pem')
  await writeFile(caFile, ca.certPem)
  const dns = await startDns({[host]: {a: ['127.0.0.1']}})
  return {
    ca,
    caFile,
    dir: t.dir,
    dnsPort: dns.port,
    dnsServers: [`127.0.0.1:${dns.port}`],
    close: async () => {
      await dns.close()
      await t.cleanup()
    },
  }
}
