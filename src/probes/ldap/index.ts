/**
 * An LDAP server as connector.ldap reaches it (ldapts): connect, StartTLS or LDAPS, bind, a paged
 * search under the base DN, with caps on what a server may send.
 */
export type {LdapFacts, LdapParams} from './ldap-probe.js'
