import {getHashes, hash, pbkdf2Sync} from 'node:crypto'

/**
 * node-forge, with its two key-derivation functions done by Node's native crypto. forge derives
 * every PKCS#12 key in JavaScript: thousands of SHA-1 rounds per bag, 10 to 30 ms of the event
 * loop per PFX, the same again for each certificate check. Natively the same bytes take a fraction
 * of that (test/probes/pki/forge-native.test.ts compares them with forge's own on random inputs).
 *
 * PBES2 (the AES PFX files that OpenSSL 3 and Windows write by default) takes the password as
 * UTF-8, as OpenSSL and .NET do; forge's JavaScript took the low byte of each character, so a
 * password with "é" or "€" did not open a valid file (and `cert create` wrote files nothing else
 * could open).
 *
 * Either function refuses an iteration count above MAX_KDF_ITERATIONS: a hostile file asking for
 * two billion rounds would otherwise hold the run for hours.
 */

export const MAX_KDF_ITERATIONS = 10_000_000

export class KdfIterationError extends Error {
  override name = 'KdfIterationError'
  constructor(readonly iterations: number) {
    super(
      `the PFX asks for ${iterations} key-derivation iterations (more than ${MAX_KDF_ITERATIONS}): not opened, it would take minutes`,
    )
  }
}

interface ForgeMd {
  algorithm: string
  digestLength: number
  blockLength: number
}

interface ByteBuffer {
  bytes(): string
  length(): number
}

interface PatchableForge {
  util: {createBuffer(bytes: string, encoding?: string): ByteBuffer}
  pki: {pbe: {generatePkcs12Key: Pkcs12Kdf}}
  pkcs12: {generateKey: Pkcs12Kdf}
  pkcs5: {pbkdf2: Pbkdf2}
  pbkdf2: Pbkdf2
}

type Pkcs12Kdf = (
  password: string | null | undefined,
  salt: ByteBuffer,
  id: number,
  iter: number,
  n: number,
  md?: ForgeMd | null,
) => ByteBuffer
type Pbkdf2 = (
  p: string,
  s: string,
  c: number,
  dkLen: number,
  md?: ForgeMd | string | null | ((...a: unknown[]) => void),
  callback?: (...a: unknown[]) => void,
) => string | undefined

/** forge's digest names as Node's. */
const NODE_HASH: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  'sha512/224': 'sha512-224',
  'sha512/256': 'sha512-256',
}

function nodeHash(name: string): string | undefined {
  const n = NODE_HASH[name.toLowerCase()]
  return n && getHashes().includes(n) ? n : undefined
}

/** RFC 7292 appendix B.2, byte for byte as forge's generatePkcs12Key, each round a native hash. */
export function pkcs12Kdf(
  password: string | null | undefined,
  salt: Buffer,
  id: number,
  iter: number,
  n: number,
  alg: string,
  u: number,
  v: number,
): Buffer {
  if (!(iter >= 1)) throw new Error('PKCS#12 key derivation iteration count must be >= 1.')
  if (iter > MAX_KDF_ITERATIONS) throw new KdfIterationError(iter)
  // The password as a BMPString with its two-byte terminator; none at all when absent.
  let pw = Buffer.alloc(0)
  if (password !== null && password !== undefined) {
    pw = Buffer.alloc(password.length * 2 + 2)
    for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2)
  }
  const repeat = (src: Buffer, len: number) => {
    const out = Buffer.alloc(len)
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!
    return out
  }
  let I = Buffer.concat([
    salt.length ? repeat(salt, v * Math.ceil(salt.length / v)) : Buffer.alloc(0),
    pw.length ? repeat(pw, v * Math.ceil(pw.length / v)) : Buffer.alloc(0),
  ])
  const D = Buffer.alloc(v, id)
  const blocks: Buffer[] = []
  for (let i = 0, c = Math.ceil(n / u); i < c; i++) {
    const A = rehash(alg, hash(alg, Buffer.concat([D, I]), 'buffer'), iter - 1)
    blocks.push(A)
    // I_j = (I_j + B + 1) mod 2^(8v), for each v-byte block of I.
    const B = repeat(A, v)
    const next = Buffer.alloc(I.length)
    for (let j = 0; j < I.length; j += v) {
      let x = 0x1ff
      for (let l = v - 1; l >= 0; l--) {
        x = (x >> 8) + B[l]! + I[j + l]!
        next[j + l] = x & 0xff
      }
    }
    I = next
  }
  return Buffer.concat(blocks).subarray(0, n)
}

/**
 * `digest` hashed `times` more times. A native call costs about 1.4 µs whatever the input, and a
 * PKCS#12 file asks for some 14,000 of them; a digest is a single padded block, which SHA-1 and
 * SHA-256 compress here in a fifth of that time (compared with Node's in
 * test/probes/pki/forge-native.test.ts). Other digests go through Node.
 */
export function rehash(alg: string, digest: Buffer, times: number): Buffer {
  if (alg === 'sha1' && digest.length === 20) return sha1Rounds(digest, times)
  if (alg === 'sha256' && digest.length === 32) return sha256Rounds(digest, times)
  let d = digest
  for (let r = 0; r < times; r++) d = hash(alg, d, 'buffer')
  return d
}

const W80 = new Int32Array(80)

function sha1Rounds(digest: Buffer, times: number): Buffer {
  const h = new Int32Array(5)
  for (let i = 0; i < 5; i++) h[i] = digest.readInt32BE(i * 4)
  const w = W80
  for (let n = 0; n < times; n++) {
    // One block: the 20-byte message, 0x80, zeros, and its length in bits (160).
    w[0] = h[0]!
    w[1] = h[1]!
    w[2] = h[2]!
    w[3] = h[3]!
    w[4] = h[4]!
    w[5] = 0x80000000 | 0
    for (let i = 6; i < 15; i++) w[i] = 0
    w[15] = 160
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!
      w[i] = (x << 1) | (x >>> 31)
    }
    let a = 0x67452301 | 0
    let b = 0xefcdab89 | 0
    let c = 0x98badcfe | 0
    let d = 0x10325476 | 0
    let e = 0xc3d2e1f0 | 0
    // The four stages in loops of their own: V8 keeps each tight.
    for (let i = 0; i < 20; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]!) | 0
      e = d
      d = c
      c = (b << 30) | (b >>> 2)
      b = a
      a = t
    }
    for (let i = 20; i < 40; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0
      e = d
      d = c
      c = (b << 30) | (b >>> 2)
      b = a
      a = t
    }
    for (let i = 40; i < 60; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + w[i]!) | 0
      e = d
      d = c
      c = (b << 30) | (b >>> 2)
      b = a
      a = t
    }
    for (let i = 60; i < 80; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + w[i]!) | 0
      e = d
      d = c
      c = (b << 30) | (b >>> 2)
      b = a
      a = t
    }
    h[0] = (a + 0x67452301) | 0
    h[1] = (b + (0xefcdab89 | 0)) | 0
    h[2] = (c + (0x98badcfe | 0)) | 0
    h[3] = (d + 0x10325476) | 0
    h[4] = (e + (0xc3d2e1f0 | 0)) | 0
  }
  const out = Buffer.alloc(20)
  for (let i = 0; i < 5; i++) out.writeInt32BE(h[i]!, i * 4)
  return out
}

const K256 = Int32Array.from(
  [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ],
  (x) => x | 0,
)
const H256 = Int32Array.from(
  [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19],
  (x) => x | 0,
)
const W64 = new Int32Array(64)
const ror = (x: number, r: number) => (x >>> r) | (x << (32 - r))

function sha256Rounds(digest: Buffer, times: number): Buffer {
  const h = new Int32Array(8)
  for (let i = 0; i < 8; i++) h[i] = digest.readInt32BE(i * 4)
  const w = W64
  for (let n = 0; n < times; n++) {
    // One block: the 32-byte message, 0x80, zeros, and its length in bits (256).
    w.set(h, 0)
    w[8] = 0x80000000 | 0
    w.fill(0, 9, 15)
    w[15] = 256
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!
      const y = w[i - 2]!
      const s0 = ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)
      const s1 = ror(y, 17) ^ ror(y, 19) ^ (y >>> 10)
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0
    }
    let a = H256[0]!
    let b = H256[1]!
    let c = H256[2]!
    let d = H256[3]!
    let e = H256[4]!
    let f = H256[5]!
    let g = H256[6]!
    let hh = H256[7]!
    for (let i = 0; i < 64; i++) {
      const S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)
      const ch = (e & f) ^ (~e & g)
      const t1 = (hh + S1 + ch + K256[i]! + w[i]!) | 0
      const S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)
      const maj = (a & b) ^ (a & c) ^ (b & c)
      const t2 = (S0 + maj) | 0
      hh = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h[0] = (a + H256[0]!) | 0
    h[1] = (b + H256[1]!) | 0
    h[2] = (c + H256[2]!) | 0
    h[3] = (d + H256[3]!) | 0
    h[4] = (e + H256[4]!) | 0
    h[5] = (f + H256[5]!) | 0
    h[6] = (g + H256[6]!) | 0
    h[7] = (hh + H256[7]!) | 0
  }
  const out = Buffer.alloc(32)
  for (let i = 0; i < 8; i++) out.writeInt32BE(h[i]!, i * 4)
  return out
}

const patched = new WeakSet<object>()
/** forge's own JavaScript derivations, kept to compare with (test/probes/pki/forge-native.test.ts). */
export const javascriptKdfs = new WeakMap<object, {pkcs12: Pkcs12Kdf; pbkdf2: Pbkdf2}>()

/** forge with native key derivation (once per forge instance). */
export function patchForge<T extends object>(forge: T): T {
  if (patched.has(forge)) return forge
  const f = forge as unknown as PatchableForge
  const jsPkcs12 = f.pki.pbe.generatePkcs12Key
  const nativePkcs12: Pkcs12Kdf = (password, salt, id, iter, n, md) => {
    const alg = nodeHash(md?.algorithm ?? 'sha1')
    if (iter > MAX_KDF_ITERATIONS) throw new KdfIterationError(iter)
    if (!alg) return jsPkcs12(password, salt, id, iter, n, md)
    const out = pkcs12Kdf(
      password,
      Buffer.from(salt.bytes(), 'binary'),
      id,
      iter,
      n,
      alg,
      md?.digestLength ?? 20,
      md?.blockLength ?? 64,
    )
    return f.util.createBuffer(out.toString('binary'))
  }
  f.pki.pbe.generatePkcs12Key = nativePkcs12
  f.pkcs12.generateKey = nativePkcs12
  const jsPbkdf2 = f.pkcs5.pbkdf2
  const nativePbkdf2: Pbkdf2 = (p, s, c, dkLen, md, callback) => {
    if (c > MAX_KDF_ITERATIONS) throw new KdfIterationError(c)
    const name = typeof md === 'function' ? 'sha1' : typeof md === 'string' ? md : (md?.algorithm ?? 'sha1')
    const alg = nodeHash(name)
    if (typeof md === 'function' || callback || !alg) return jsPbkdf2(p, s, c, dkLen, md, callback)
    return pbkdf2Sync(Buffer.from(p, 'utf8'), Buffer.from(s, 'binary'), c, dkLen, alg).toString('binary')
  }
  f.pkcs5.pbkdf2 = nativePbkdf2
  f.pbkdf2 = nativePbkdf2
  javascriptKdfs.set(forge, {pkcs12: jsPkcs12, pbkdf2: jsPbkdf2})
  patched.add(forge)
  return forge
}

/** node-forge (about 100 ms to import: only when a certificate is opened or made), patched. */
export async function loadForge(): Promise<typeof import('node-forge')> {
  const mod = (await import('node-forge')) as unknown as {
    default?: typeof import('node-forge')
  } & typeof import('node-forge')
  return patchForge(mod.default ?? mod)
}
