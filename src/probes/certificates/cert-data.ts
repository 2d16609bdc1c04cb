import type {CertFacts} from './cert-verdicts.js'

/** What of a certificate's facts goes into reports: descriptions, not the DER bytes. */
export function certDataOf(f: CertFacts): unknown {
  if (!f.loaded) return f
  const {ders: _ders, ...loaded} = f.loaded
  return {...f, loaded}
}
